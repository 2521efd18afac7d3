"""A function as JD's `sca init` writes it: print the event, return a plain string (issue 18 items 13 and 14)."""


def handler(event, context):
    print(event)
    return "hello world"
