"""Returns bytes that are not UTF-8: aliyun passes them through raw; JSON providers cannot serialise them on 3.x."""

PAYLOAD = b"raw \x00\xff\xfe bytes"


def handler(event, context):
    return PAYLOAD


main_handler = handler
