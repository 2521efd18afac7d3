"""The gateway benchmark's handler: a constant API Gateway reply, so a request measures the path, not the function."""


def main_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
