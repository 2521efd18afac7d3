"""Which image runs a function: the cloud's runtime name -> the provider profile and the strict image of that cloud
(README "Projects" has the table), and whether that image is built.

`image_for(provider, runtime)` -> (tag, note); ProjectError for a runtime with no image, listing the supported ones.
`check_built(client, tag)` -> ProjectError naming the `make build ...` that builds a missing tag.
"""
from .model import ProjectError

#: provider -> {runtime name as the cloud spells it (compared case-insensitively): image tag}.
RUNTIMES = {
    "aliyun": {"python2.7": "runtime:py27-aliyun", "python3": "runtime:py36-aliyun"},
    "tencent": {"Python2.7": "runtime:py27-tencent", "Python3.6": "runtime:py36-tencent"},
    "jdcloud": {"python2.7": "runtime:py27-jdcloud", "python3.6": "runtime:py36-jdcloud",
                "python3.7": "runtime:py37-jdcloud"},
}
#: Runtimes of a cloud that have no strict image here: the image they run in, and why (said once per run).
MAPPED = {
    ("tencent", "python3.7"): ("runtime:py37", "Tencent's Python3.7 has no image of its own here (no table of its "
                               "libraries was published): it runs in runtime:py37 (Python 3.7.16 with JD Cloud's "
                               "3.7 libraries) with the tencent profile; pass --image to choose another"),
}
PROVIDER_NAMES = {"aliyun": "Alibaba Cloud FC", "tencent": "Tencent SCF", "jdcloud": "JD Cloud"}


def image_for(provider, runtime):
    """(image tag, note or None) for a runtime name of `provider`'s template."""
    wanted = str(runtime or "").strip().lower()
    for name, tag in RUNTIMES[provider].items():
        if name.lower() == wanted:
            return tag, None
    if (provider, wanted) in MAPPED:
        return MAPPED[(provider, wanted)]
    supported = sorted(RUNTIMES[provider]) + [name for (p, name) in MAPPED if p == provider]
    raise ProjectError("runtime %r has no image here (%s): the supported runtimes are %s; set Runtime to one of them, "
                       "or pass --image TAG" % (runtime, PROVIDER_NAMES[provider], ", ".join(supported)))


def build_command(tag):
    """`make build PY=36 PROVIDER=aliyun` for runtime:py36-aliyun (`PROVIDER=union` for runtime:py36)."""
    name = tag.partition(":")[2]
    version, _, provider = name.partition("-")
    if not version.startswith("py") or not tag.startswith("runtime:"):
        return None
    return "make build PY=%s PROVIDER=%s" % (version[2:], provider or "union")


def check_built(client, tag):
    import docker.errors
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        command = build_command(tag)
        raise ProjectError("image %s is not built: %s" % (tag, "run `%s` in the fnruntime checkout" % command
                                                          if command else "build or pull it first"))
