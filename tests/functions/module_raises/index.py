"""Raises ValueError while its module is imported (a bad setting read at import time): a load failure whose
Python class JD's body names (issue 18 item 16)."""
import os

TIMEOUT = int(os.environ.get("APP_TIMEOUT", "not a number"))


def handler(event, context):
    return TIMEOUT
