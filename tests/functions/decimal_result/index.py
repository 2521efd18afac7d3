# -*- coding: utf-8 -*-
"""Returns what database drivers hand back: `Decimal` numbers (provider item 4 of issue 18).

`top_level` a bare Decimal("1.5"); `nested` {"price": Decimal("1.5")}; `as_float` 1.5 for comparison.
"""
from decimal import Decimal


def top_level(event, context):
    return Decimal("1.5")


def nested(event, context):
    return {"price": Decimal("1.5")}


def as_float(event, context):
    return 1.5


main_handler = handler = top_level


def dispatch(event, context):
    """Serving: the function named by the event's "case"."""
    return globals()[event["case"]](event, context)
