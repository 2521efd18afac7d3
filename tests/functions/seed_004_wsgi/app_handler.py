"""Runs seed 004's `application` (from index.py, unmodified) through wsgi_run, as the seed's text describes."""
from jdcloud_wsgi_wrapper import wsgi_run

from index import application


def handler(event, context):
    return wsgi_run(event, context, application)
