"""Wrong entry: the code has app.py and lib/ but no index.py; `index.handler` must say what it found instead."""


def handler(event, context):
    return "app"
