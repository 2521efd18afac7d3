"""The shapes of a supervisor call's end (supervisor.py): `Done` wraps its result; a forwarded request's result is a
`Forwarded`. A module of its own so that the pool and the pipelined calls (pipeline.py) share them without importing
the supervisor.
"""
from __future__ import absolute_import, division, print_function


class Done(object):
    """The last step of a call: its result (an Outcome, or a Forwarded)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Forwarded(object):
    """What `Supervisor.forward` gives back: the `response` the worker rendered (a frame or an HTTP response) and
    its `log` (bytes); or, when the worker did not answer, the `outcome` (and the request frame's id) to render."""

    __slots__ = ("response", "log", "outcome", "frame_id")

    def __init__(self, response=None, log=b"", outcome=None, frame_id=None):
        self.response = response
        self.log = log
        self.outcome = outcome
        self.frame_id = frame_id
