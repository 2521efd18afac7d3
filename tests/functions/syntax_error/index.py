"""Syntax error on line 3 (a def without its colon): loading fails with UserCodeSyntaxError naming index.py, line 3."""

def handler(event, context)
    return "never loaded"
