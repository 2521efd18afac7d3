"""Fixtures for the image suites: the catalogue and plan of build.py, a Docker client, and each built image.

An image is usable only if it exists and its runtime.input-hash label equals the hash build.py computes from the
current source; otherwise the test fails with the command that rebuilds it (`make build`).
"""
import json

import pytest

from imagekit import PROBE, image_name, run_in

import build  # noqa: E402 (imagekit puts the repository on sys.path)


@pytest.fixture(scope="session")
def catalogue():
    return build.load_catalogue()


@pytest.fixture(scope="session")
def plans(catalogue):
    return {p.tag: p for p in build.plan(catalogue)}


@pytest.fixture(scope="session")
def current_hashes():
    return build.input_hashes()


@pytest.fixture(scope="session")
def docker_client():
    try:
        return build.connect()
    except build.BuildError as error:
        pytest.fail(str(error))


def stale_message(name, why):
    return "%s %s: run `make build` (or `python build.py`) to rebuild it" % (name, why)


@pytest.fixture(scope="session")
def current_image(docker_client, catalogue, current_hashes):
    """current_image(tag) -> docker Image, failing when the image is missing or built from other sources."""
    checked = {}

    def get(tag):
        if tag not in checked:
            name = image_name(catalogue, tag)
            image = build.image_or_none(docker_client, name)
            if image is None:
                pytest.fail(stale_message(name, "is missing"))
            label = (image.labels or {}).get("runtime.input-hash")
            if label != current_hashes[tag]:
                pytest.fail(stale_message(name, "is stale (runtime.input-hash %s, source %s)"
                                          % (label, current_hashes[tag])))
            checked[tag] = image
        return checked[tag]
    return get


@pytest.fixture(scope="session")
def probe(current_image, catalogue, plans):
    """probe(tag) -> {"imports": {...}, "dists": {...}} for every import and distribution the tag's tables name."""
    results = {}

    def get(tag):
        if tag not in results:
            current_image(tag)
            specs = plans[tag].specs
            request = {"imports": sorted({m for s in specs for m in s.imports}),
                       "dists": sorted({s.name for s in specs})}
            proc = run_in(image_name(catalogue, tag), ["-c", PROBE, json.dumps(request)])
            lines = [l for l in proc.stdout.splitlines() if l.startswith("PROBE-RESULT ")]
            assert lines, "probe printed no result:\n%s\n%s" % (proc.stdout[-2000:], proc.stderr[-2000:])
            results[tag] = json.loads(lines[-1][len("PROBE-RESULT "):])
        return results[tag]
    return get
