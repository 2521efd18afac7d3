"""Returns values JSON cannot encode: `handler` an object(), `as_set` a set; `lone_surrogate` a str UTF-8 cannot
encode (3.x). ResultNotSerializable, not a crash."""


class Opaque(object):
    pass


def handler(event, context):
    return Opaque()


main_handler = handler


def as_set(event, context):
    return set([1, 2])


def lone_surrogate(event, context):
    return u"a\udc80b"
