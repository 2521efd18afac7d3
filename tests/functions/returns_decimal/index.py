"""Results json cannot encode by itself (issue 18 item 4): Decimal (database drivers), datetime and date, an object
with to_json(). Each provider answers them as its cloud's runtime does (README, provider table)."""
import datetime
import decimal


class Money(object):
    def __init__(self, amount):
        self.amount = amount

    def to_json(self):
        return {"amount": self.amount}


def decimal_result(event, context):
    return {"price": decimal.Decimal("1.5")}


def datetime_result(event, context):
    return {"at": datetime.datetime(2020, 1, 2, 3, 4, 5), "on": datetime.date(2020, 1, 2)}


def to_json_result(event, context):
    return [Money(3)]


main_handler = handler = decimal_result
