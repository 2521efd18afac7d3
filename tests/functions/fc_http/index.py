# -*- coding: utf-8 -*-
"""FC HTTP functions, handler(environ, start_response), in the shapes of FC's own samples (issue 18 item 11): the
http-trigger template (with an initializer), the local_http echo, a function writing a file and logging, a response
made of start_response's write() and a generator with repeated headers, and one that raises."""
import json
import logging
import os
import sys

STATE = {"init_calls": 0}


def initializer(context):
    STATE["init_calls"] += 1
    STATE["init_request_id"] = context.request_id
    logging.getLogger().info('initializing')


def hello(environ, start_response):
    """The http-trigger template's shape."""
    context = environ['fc.context']
    request_uri = environ['fc.request_uri']
    custom = sorted(k for k in environ if k.startswith('HTTP_'))
    start_response('200 OK', [('Content-type', 'text/plain'), ('X-Init-Calls', str(STATE["init_calls"])),
                              ('X-Context-Request-Id', context.request_id), ('X-Seen-Uri', request_uri),
                              ('X-Custom-Headers', ",".join(custom))])
    return [b'Hello world!\n']


def echo(environ, start_response):
    """local_http's shape: everything of the request back as JSON."""
    try:
        size = int(environ.get('CONTENT_LENGTH', 0))
    except ValueError:
        size = 0
    body = environ['wsgi.input'].read(size)
    seen = dict((k, v) for k, v in environ.items() if isinstance(v, str) and k.isupper())
    seen.update({'fc.request_uri': environ['fc.request_uri'], 'body': body.decode('utf-8'),
                 'context_request_id': environ['fc.context'].request_id,
                 'context_type': type(environ['fc.context']).__name__,
                 'wsgi.version': list(environ['wsgi.version']), 'body_type': type(body).__name__,
                 'init_request_id': STATE.get("init_request_id")})
    seen.pop('PATH', None)
    start_response('200 OK', [('Content-type', 'application/json')])
    return [json.dumps(seen).encode()]


def writes_file(environ, start_response):
    """The nas sample's shape: a file written, a log line, print, bytes built from text."""
    logger = logging.getLogger()
    root_dir = os.environ.get('ROOT_DIR', '/tmp')
    path = os.path.join(root_dir, 'test_http.txt')
    with open(path, 'w') as handle:
        handle.write('written over http')
    logger.info('uid : ' + str(os.geteuid()))
    print('wrote ' + path)
    sys.stdout.flush()
    res = '{{ "file": "{0}", "message": "write success" }}'.format(path)
    start_response('200 OK', [('Content-type', 'application/json')])
    return [res.encode('utf-8')]


def streamed(environ, start_response):
    """A 404 made of write() and a generator, two Set-Cookie headers, text chunks."""
    write = start_response('404 Not Found', [('Content-Type', 'text/plain; charset=utf-8'),
                                             ('Set-Cookie', 'a=1'), ('Set-Cookie', 'b=2')])
    write(b'first ')

    def chunks():
        yield b'second '
        yield u'\u7b2c\u4e09'  # text: sent as UTF-8
    return chunks()


def raises(environ, start_response):
    raise ValueError(u'\u51fa\u9519\u4e86')  # 出错了


def no_start_response(environ, start_response):
    return [b'forgot start_response']
