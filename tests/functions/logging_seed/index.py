"""Seed 001/002's logging example, verbatim below: logger.info and print of the event, returns 'Hello World!'.

On tencent the log shows `got event{...}` twice (root logger: message only, level INFO as the user set it)."""
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def main_handler(event, context):
    logger.info('got event{}'.format(event))
    print("got event{}".format(event))
    return 'Hello World!'  
