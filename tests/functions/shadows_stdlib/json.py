"""A user file named like a standard-library module: handler `json.handler` must fail with ShadowedModule."""


def handler(event, context):
    return "shadowing the standard library"
