"""Template files -> model.Project. One module per format family: aliyun (Fun template.yml, Serverless Devs s.yaml
with the FC component or fc3), tencent (serverless.yml: the scf component and the Serverless Framework plugin layout;
scfcli's TCSAM template.yaml), jdcloud (sca's template.yaml).

    project = load_project(path)        # the format is told by the file's contents; ProjectError with file and line
    project = load_project(folder)      # a folder: its template (find_template), or a folder of scf components
"""
import os

from ..model import ProjectError
from . import aliyun, jdcloud, tencent, yamlfile

#: File names looked for in a folder, in this order.
NAMES = ("template.yml", "template.yaml", "s.yaml", "s.yml", "serverless.yml", "serverless.yaml")


def find_template(folder="."):
    found = [name for name in NAMES if os.path.isfile(os.path.join(folder, name))]
    if not found:
        raise ProjectError("no template in %s: looked for %s; pass -t PATH" % (os.path.abspath(folder),
                                                                                ", ".join(NAMES)))
    if len(found) > 1:
        raise ProjectError("several templates in %s (%s): choose one with -t" % (os.path.abspath(folder),
                                                                               ", ".join(found)))
    return os.path.join(folder, found[0])


def detect(path, document):
    """The reader of a document: by its keys and resource types, not by its file name."""
    if "services" in document or "resources" in document or "edition" in document:
        return aliyun.read_devs
    if "component" in document or "inputs" in document:
        return tencent.read_component
    if "provider" in document and "functions" in document:
        return tencent.read_plugin
    resources = document.get("Resources")
    if isinstance(resources, dict):
        types = set()
        for value in resources.values():
            if isinstance(value, dict):
                types.add(str(value.get("Type", "")))
        transform = str(document.get("Transform", ""))
        if transform.startswith("Aliyun::") or any(t.startswith("Aliyun::") for t in types):
            return aliyun.read_fun
        if transform.startswith("TencentCloud::") or any(t.startswith("TencentCloud::") for t in types):
            return tencent.read_tcsam
        if transform.startswith("JDCloud::") or any(t.startswith("JDCloud::") for t in types):
            return jdcloud.read_sca
    raise ProjectError("%s is not a template this tool reads: expected Fun's template.yml (Transform: "
                       "Aliyun::Serverless-...), Serverless Devs' s.yaml (services: or resources:), Tencent's "
                       "serverless.yml (component: scf, or provider: + functions:), scfcli's template.yaml "
                       "(TencentCloud::Serverless::...) or JD sca's template.yaml (JDCloud::Serverless::Function)"
                       % path)


def component_files(folder):
    """serverless.yml files one level down (a Tencent project of several scf component instances)."""
    found = []
    for entry in sorted(os.listdir(folder)):
        for name in ("serverless.yml", "serverless.yaml"):
            candidate = os.path.join(folder, entry, name)
            if os.path.isfile(candidate):
                found.append(candidate)
    return found


def load_project(path="."):
    """The project of a template file, or of a folder (its template, or its sub-folders' serverless.yml)."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        try:
            path = os.path.abspath(find_template(path))
        except ProjectError:
            parts = component_files(path)
            if not parts:
                raise
            return tencent.read_component_folder(path, parts)
    if not os.path.isfile(path):
        raise ProjectError("template %s does not exist" % path)
    document = yamlfile.load(path)
    project = detect(path, document)(path, document)
    if not project.functions:
        raise ProjectError("%s defines no function" % path)
    return project
