"""`src/app.handler`: CODE/src is put first on sys.path, so `import helper` finds src/helper.py as a top-level module."""
import helper


def handler(event, context):
    return {"module": __name__, "helper": helper.VALUE}
