"""`start-api --watch` on the host: the template file(s) watched with watchfiles; a change reloads the project and
the gateway restarts only the functions whose settings changed (gateway.Gateway.reload). A template that no longer
reads is reported and the running functions keep serving. Code changes are the runtime's own `--watch`
(FUNCTION_WATCH=1 in each container): the next request after an edit starts a fresh instance.
"""
import os

from .model import ProjectError


async def watch_templates(gateway, load, log):
    """Until cancelled: reload the project whenever one of its template files changes."""
    import watchfiles
    files = {os.path.abspath(p) for p in project_files(gateway.project)}
    folders = sorted({os.path.dirname(p) for p in files})
    async for changes in watchfiles.awatch(*folders, recursive=False, debounce=100, step=20,
                                           watch_filter=lambda change, path: os.path.abspath(path) in files):
        names = ", ".join(sorted(os.path.basename(p) for _, p in changes))
        try:
            project = load()
        except ProjectError as exc:
            log("fnruntime: %s changed but does not read: %s; the functions keep running as they were" % (names, exc))
            continue
        log("fnruntime: %s changed: reloading the project" % names)
        try:
            await gateway.reload(project)
        except ProjectError as exc:
            log("fnruntime: %s" % exc)
        files = {os.path.abspath(p) for p in project_files(project)}


def project_files(project):
    return getattr(project, "sources", None) or [project.template]
