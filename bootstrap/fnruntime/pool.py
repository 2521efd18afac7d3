"""The instance pool: the function instances a serve loop runs its requests on.

Each instance is a Supervisor (supervisor.py) with its own worker process and module state, running one invocation
at a time. `forward` serves a warm request as it came (None when no instance is warm: use `invoke`), `invoke` runs an
Invocation (starting the instance cold when needed), `replace` ends an instance after a fault of the runtime itself so
that the next request starts a fresh one, `close` ends them all.
"""
from __future__ import absolute_import, division, print_function

from .supervisor import Supervisor


class Pool(object):
    def __init__(self, config):
        self.config = config
        self.supervisor = Supervisor(config, log_stream=None)
        self.provider = self.supervisor.provider

    def forward(self, payload, http=None):
        return self.supervisor.forward(payload, http)

    def invoke(self, invocation):
        return self.supervisor.invoke(invocation)

    def replace(self):
        self.supervisor.kill()

    def close(self):
        self.supervisor.close()
