"""Seed 004's WSGI sample, verbatim below (jdcloud): `application` and `AppClass`; `index.handler` runs AppClass
through jdcloud_wsgi_wrapper.wsgi_run. `app_handler.handler` (beside this file) runs `application`."""
from jdcloud_wsgi_wrapper import wsgi_run


def application(environ, start_response):
    print(environ['function.event'])
    print(environ['function.context'])

    status = "200 OK"
    path = environ["PATH_INFO"]
    print(path)
    length = int(environ["CONTENT_LENGTH"], 0)
    body = environ["wsgi.input"].read(length)
    print(body)
    response_headers = [('Content-type', 'text/plain')]

    start_response(status, response_headers)
    return ['Function : My Own Hello World!']


class AppClass:
    def __init__(self, environ, start_response):
        self.environ = environ
        self.start_response = start_response

    def __iter__(self):
        self.start_response('200 OK', [('Content-type', 'txt/plain')])
        yield "Hello World"


def handler(event, context):
    result = wsgi_run(event, context, AppClass)
    return result
