# -*- coding: utf-8 -*-
"""Reports the default encoding and mixes a unicode and a byte string with non-ASCII characters (issue 18 item 8)."""
import sys


def handler(event, context):
    try:
        mixed = u'中' + '中'  # on 2.7 a decode with the default encoding
    except UnicodeDecodeError as exc:
        mixed = 'UnicodeDecodeError: %s' % exc
    if sys.version_info[0] > 2 or sys.getdefaultencoding() == 'utf-8':  # 2.7's print of unicode encodes with it
        print(u'%s printed' % mixed)
    return {"default_encoding": sys.getdefaultencoding(), "mixed": mixed,
            "stdout_is_the_log": sys.stdout is not sys.__stdout__}


main_handler = handler
