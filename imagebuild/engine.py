"""The Docker engine through the Docker SDK: connecting (`connect`), looking up images, and one build streamed
step by step (`run_build`, raising BuildError with the failing step and its output's tail); `Log` prints progress.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import time

from .catalogue import BuildError


class Log:
    """Progress printer: one line per build step, all output with --verbose, the failing step's tail always."""

    def __init__(self, verbose=False, stream=sys.stdout):
        self.verbose = verbose
        self.stream = stream

    def say(self, text=""):
        print(text, file=self.stream, flush=True)

    def banner(self, text):
        self.say("\n" + "=" * 8 + " " + text)

    def loud(self, text):
        bar = "!" * 100
        self.say("\n%s\n!! %s\n%s" % (bar, text.replace("\n", "\n!! "), bar))


def connect():
    try:
        import docker
    except ImportError:
        raise BuildError("the Docker SDK for Python is missing: pip install docker") from None
    try:
        client = docker.from_env(version="auto", timeout=600)
        client.ping()
    except Exception as error:
        raise BuildError("no Docker engine answers (%s); start one: scripts/docker-engine.sh up" % error) from None
    return client


def image_or_none(client, name):
    import docker
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None


@dataclasses.dataclass
class BuildResult:
    image_id: str = ""
    steps: list = dataclasses.field(default_factory=list)  # [stage, instruction, cached, resulting image id]
    seconds: float = 0.0


def run_build(client, log, what, fileobj, tag, buildargs=None, labels=None, nocache=False):
    """Build from a context tar, streaming progress. Raises BuildError naming the failing step."""
    started = time.monotonic()
    result = BuildResult()
    stage, step, tail = "", "", []
    step_started = started
    stream = client.api.build(fileobj=fileobj, custom_context=True, tag=tag, buildargs=buildargs or {},
                              labels=labels or {}, rm=True, forcerm=True, decode=True, pull=False,
                              nocache=nocache)
    for chunk in stream:
        if "error" in chunk:
            detail = "\n".join(tail[-30:])
            raise BuildError("%s: step failed: %s [stage %s]\n%s\n-> %s"
                             % (what, step or "(before the first step)", stage or "-", detail,
                                chunk["error"].strip()))
        text = chunk.get("stream", "")
        for line in text.splitlines():
            match = re.match(r"Step (\d+)/(\d+) : (.*)", line)
            if match:
                if step:
                    log.say("      %5.1fs" % (time.monotonic() - step_started))
                step, step_started, tail = line, time.monotonic(), []
                from_match = re.match(r"FROM \S+(?: (?:AS|as) (\S+))?", match.group(3))
                if from_match:
                    stage = from_match.group(1) or stage
                log.say("[%s] %s" % (what, line[:160]))
                result.steps.append([stage, match.group(3), None, None])
            elif line.strip() == "---> Using cache":
                if result.steps:
                    result.steps[-1][2] = True
                log.say("[%s]   (cached)" % what)
            elif line.strip().startswith("---> Running in"):
                if result.steps:
                    result.steps[-1][2] = False
            elif re.fullmatch(r" ---> [0-9a-f]{12}", line):
                if result.steps:
                    result.steps[-1][3] = line.split()[-1]
            elif line.strip():
                tail.append(line)
                if log.verbose:
                    log.say("[%s]     %s" % (what, line))
        if "aux" in chunk and "ID" in chunk["aux"]:
            result.image_id = chunk["aux"]["ID"]
    for entry in result.steps:
        if entry[2] is None:      # FROM, and metadata steps the builder does not run a container for
            entry[2] = True if not re.match(r"(RUN|COPY|ADD) ", entry[1]) else False
    if not result.image_id:
        image = image_or_none(client, tag)
        result.image_id = image.id if image else ""
    result.seconds = time.monotonic() - started
    return result
