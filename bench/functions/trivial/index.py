"""The benchmarks' trivial handler: answers at once, for every provider's default handler name.

Returns a small constant object, so a round trip measures the runtime and not the function.
"""


def handler(event, context):
    return {"ok": True}


main_handler = handler
