"""`pkg.module.handler`: returns this module's dotted name."""


def handler(event, context):
    return {"module": __name__}
