"""What every template reader shares: the code location (folder, zip, or a cloud URI refused with what to do) and
the construction of a model.Function with its image."""
import os

from ..images import image_for
from ..model import Function, ProjectError
from .yamlfile import where


def code_location(path, node, key, value, default="."):
    """(absolute folder or zip file, is_zip) for a code entry of the template, relative to the template's folder."""
    if value is None or value == "":
        value = default
    if isinstance(value, dict):
        raise ProjectError("%s: %s points at a bucket (%s): code in cloud storage cannot run locally; download it "
                           "and set %s to the folder or zip file" % (where(path, node, key), key,
                                                                   ", ".join("%s=%s" % kv for kv in value.items()),
                                                                   key))
    text = str(value)
    if "://" in text:
        raise ProjectError("%s: %s is %s: code in cloud storage is not supported locally; download it (for OSS: "
                           "ossutil cp %s .) and set %s to the folder or zip file" % (where(path, node, key), key,
                                                                                      text, text, key))
    location = os.path.normpath(os.path.join(os.path.dirname(path), text))
    if os.path.isdir(location):
        return location, False
    if os.path.isfile(location) and location.lower().endswith((".zip", ".jar")):
        return location, True
    raise ProjectError("%s: %s %r: no such folder or zip file (%s)" % (where(path, node, key), key, text, location))


def build(path, node, key_line, provider, name, runtime, handler, code, **fields):
    """A Function; the runtime decides the image (ProjectError naming the line of a runtime with no image)."""
    try:
        image, note = image_for(provider, runtime)
    except ProjectError as exc:
        raise ProjectError("%s: function %s: %s" % (where(path, node, key_line), name, exc))
    folder, is_zip = code
    function = Function(name=str(name), provider=provider, runtime=str(runtime), image=image, handler=str(handler),
                        code=folder, zip=is_zip, template=path, line=_line(node, key_line), **fields)
    if note:
        function.notes.append(note)
    return function


def _line(node, key):
    from .yamlfile import line
    return line(node, key) if key is not None else line(node)


def methods(value, default=("ANY",)):
    """A method or a list of methods as upper-case names; ANY for all."""
    if value is None or value == "":
        return list(default)
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split()]
    return [str(item).upper() for item in value]
