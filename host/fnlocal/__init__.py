"""The host side of fnruntime (Python 3.8+, apart from the standard-library-only runtime in bootstrap/fnruntime):
the user's own template file turned into functions, run in the images, served behind one gateway.

The API other host tools build on (`fnruntime local start-api` does exactly this):

    from fnlocal.templates import load_project
    from fnlocal.containers import ContainerPool, invoke_once

    project = load_project("template.yml")            # or find_template(".") first; ProjectError says what is wrong
    for function in project.functions:                # model.Function: name, provider, runtime, image, handler,
        ...                                           #   code, zip, timeout, memory, initializer, env, triggers
    with ContainerPool(project.name) as pool:         # labelled containers; leftovers of a crashed run removed
        instance = pool.start(function, instances=2)  # a warm `--serve http` container: instance.url, .stop()
    status = invoke_once(function, event_bytes)       # one `docker run`: result on stdout, log on stderr
"""
