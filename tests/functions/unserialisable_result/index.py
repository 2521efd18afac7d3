"""Returns values JSON cannot encode: `handler` an object(), `as_set` a set. ResultNotSerializable, not a crash."""


class Opaque(object):
    pass


def handler(event, context):
    return Opaque()


main_handler = handler


def as_set(event, context):
    return set([1, 2])
