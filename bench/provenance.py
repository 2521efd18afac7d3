"""What a figure was measured on, and whether it still describes the code: the stamp each version's figures carry.

`stamp(image=None)` records the commit (full hash), whether the working tree differed from it (`dirty`, with the
changed paths; the bench's own results files do not count) and, for an image, its `runtime.input-hash` label beside
the hash `build.py --print-hashes` computes from the source at that moment (`image_current`). `stale_reason(stamp,
kind)` says why a stamped figure no longer describes the code at HEAD, or None: no stamp at all (figures from before
stamps), measured on a dirty tree, an image built from other sources, or a change since the stamp's commit to what
the figure measures (the runtime and the bench's measuring code; for images also images/, build.py and imagebuild/).
"""
import datetime
import json
import os
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else "docker"
#: Files a run writes: their changes do not make a tree dirty.
OUTPUTS = ("bench/results.json", "bench/results.md", "bench/latency.png", "bench/projects.md", "bench/sdk.md",
           "bench/debugging.md")
#: The bench's measuring code, and what each kind of figure measures: a change to these since the stamp's commit
#: makes it stale.
MEASURING = ("bench/measure.py", "bench/load.py", "bench/callgrind.py", "bench/run.py", "bench/machine.py",
             "bench/copies.py", "bench/httpbench.py", "bench/instructions.py", "bench/functions", "bench/floors")
MEASURED = {
    "host": ("bootstrap",) + MEASURING,
    "image": ("bootstrap", "images", "build.py", "imagebuild") + MEASURING,
}


def git(*args):
    done = subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("git %s failed: %s" % (" ".join(args), done.stderr.strip()))
    return done.stdout


def head():
    return git("rev-parse", "HEAD").strip()


def changed_paths():
    """Tracked paths that differ from HEAD (staged or not), the bench's outputs left out."""
    paths = []
    for line in git("status", "--porcelain", "--untracked-files=no").splitlines():
        path = line[3:].split(" -> ")[-1]
        if path not in OUTPUTS:
            paths.append(path)
    return paths


_SOURCE_HASHES = {}


def source_hash(tag):
    """The input hash build.py computes now for `tag` (py36, py36-aliyun, ...)."""
    if not _SOURCE_HASHES:
        done = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "--print-hashes"], capture_output=True,
                              text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError("build.py --print-hashes failed: %s" % done.stdout[-500:] + done.stderr[-500:])
        _SOURCE_HASHES.update(json.loads(done.stdout))
    return _SOURCE_HASHES.get(tag)


def image_hash(image):
    done = subprocess.run([DOCKER, "image", "inspect", "-f", '{{index .Config.Labels "runtime.input-hash"}}', image],
                          capture_output=True, text=True)
    return done.stdout.strip() or None if done.returncode == 0 else None


def stamp(image=None):
    """The stamp of figures measured now (on `image`, e.g. runtime:py36, when they come from one)."""
    changed = changed_paths()
    result = {"commit": head(), "dirty": bool(changed), "when": datetime.datetime.now().isoformat(timespec="seconds")}
    if changed:
        result["changed"] = changed[:20]
    if image:
        label = image_hash(image)
        current = source_hash(image.split(":", 1)[1])
        result.update(image=image, input_hash=label, source_hash=current,
                      image_current=bool(label) and label == current)
    return result


def stale_reason(figure_stamp, kind, at=None):
    """Why figures with this stamp do not describe the code at `at` (default HEAD); None when they do."""
    if not figure_stamp:
        return "no stamp: measured before figures carried their commit"
    if figure_stamp.get("dirty"):
        return "measured on a tree with uncommitted changes (%s)" % ", ".join(figure_stamp.get("changed", [])[:3])
    if "image" in figure_stamp and not figure_stamp.get("image_current"):
        return "%s was built from other sources (input hash %s, source %s)" % (
            figure_stamp["image"], figure_stamp.get("input_hash"), figure_stamp.get("source_hash"))
    commit = figure_stamp.get("commit")
    target = at or head()
    if commit == target:
        return None
    done = subprocess.run(["git", "-C", ROOT, "diff", "--name-only", commit, target, "--"] + list(MEASURED[kind]),
                          capture_output=True, text=True)
    if done.returncode != 0:
        return "commit %s is not in this repository" % commit[:12]
    changed = done.stdout.split()
    if changed:
        return "changed since %s: %s%s" % (commit[:12], ", ".join(changed[:3]),
                                           " and %d more" % (len(changed) - 3) if len(changed) > 3 else "")
    return None


def stamp_line(image=None):
    """One line for a section measured apart from run.py (bench/projects.py, bench/sdk.py): the commit, whether the
    tree was clean, and whether the image was built from the sources of that tree."""
    found = stamp(image)
    text = "_Measured at commit %s (%s) on %s" % (
        found["commit"][:12], "tree with uncommitted changes" if found["dirty"] else "clean tree", found["when"])
    if image:
        text += "; %s %s" % (image, "built from these sources" if found["image_current"]
                             else "built from other sources (STALE: run `make build` first)")
    return text + "._"
