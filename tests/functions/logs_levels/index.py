"""Logging without configuring it: the root logger's level and format are the runtime's (per provider).

`info_and_warning`: logger.info("info-line") then logger.warning("warning-line"), returns "ok". Tencent/jdcloud
install WARNING (message only), aliyun INFO with `asctime request_id [LEVEL] message`.
"""
import logging


def info_and_warning(event, context):
    logger = logging.getLogger()
    logger.info("info-line")
    logger.warning("warning-line")
    return "ok"


def every_level(event, context):
    """logger.debug, .info, .warning: which of them a provider's root logger shows (issue 18 item 12)."""
    logger = logging.getLogger()
    logger.debug("debug-line")
    logger.info("info-line")
    logger.warning("warning-line")
    return "ok"
