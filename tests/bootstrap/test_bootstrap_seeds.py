"""Contract section 1: the seeds' own code samples run unmodified (seed 001/002's print and logging examples,
seed 003's json.loads(event) handler). Seed 004's WSGI samples are in test_bootstrap_wsgi.py."""
import json

from oneshot_support import describe, invoke, user_output


def test_seed_001_hello(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("seed_001_print"), "index.main_handler", {"key1": "value1"})
    assert run.status == 0 and run.stdout == b'"Hello World"', describe(run)
    log = "\n".join(user_output(run, "tencent"))
    assert 'Received event: {\n  "key1": "value1"\n}' in log, describe(run)
    assert "Received context: {" in log, describe(run)


def test_seed_001_logging(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("logging_seed"), "index.main_handler", {"x": 1})
    assert run.status == 0 and run.stdout == b'"Hello World!"', describe(run)
    output = user_output(run, "tencent")
    assert sum(1 for line in output if line in ("got event{'x': 1}", "got event{u'x': 1}")) == 2, describe(run)


def test_seed_003_json_loads_handler(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("seed_003_oss"), "main.my_handler", json.dumps({"key": "value"}), "aliyun")
    assert run.status == 0 and run.stdout == b"value", describe(run)


def test_seed_003_from_stdin(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("seed_003_oss"), "main.my_handler", provider="aliyun",
                 stdin=b'{"key": "from stdin"}')
    assert run.status == 0 and run.stdout == b"from stdin", describe(run)
