"""A zip whose entry file sits in a folder (code/index.py) instead of the root: the clouds refuse it, saying so."""


def handler(event, context):
    return "should not run from a nested folder"


main_handler = handler
