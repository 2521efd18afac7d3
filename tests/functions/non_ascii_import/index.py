# -*- coding: utf-8 -*-
"""A module that raises while it is imported, with a Chinese message and comment (issue 18 items 1 and 6)."""

raise RuntimeError(u'模块加载失败')  # 导入时失败


def handler(event, context):
    return 'never'
