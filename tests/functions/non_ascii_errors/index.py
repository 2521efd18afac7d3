# -*- coding: utf-8 -*-
"""Errors whose message or source line holds non-ASCII characters (issue 18 item 1): the body and the log keep them."""


def raises_str(event, context):
    raise Exception('中文错误')  # a byte string on 2.7


def raises_unicode(event, context):
    raise Exception(u'中文错误')


def raises_with_comment(event, context):
    raise ValueError('plain')  # 中文注释


def raises_latin1_bytes(event, context):
    raise ValueError(b'caf\xe9')  # not UTF-8: replaced, never fatal


def initializer(context):
    raise ValueError(u'初始化失败')  # 初始化


def handler(event, context):
    return u'好'
