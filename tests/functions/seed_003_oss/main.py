# -*- coding: utf-8 -*-
"""Seed 003's event example, verbatim below (handler `main.my_handler`, aliyun): json.loads of the raw event."""
import json
def my_handler(event, context):    
    evt = json.loads(event)    
    return evt['key']
