"""Issue 4, security in the images: user code runs as an unprivileged user that cannot write the code directory, the
bootstrap (/var/runtime) or the built-in libraries, and can write /tmp; a listener binds where the user says (and a
port published on 127.0.0.1 is reachable there only); credentials from the environment never appear in the
runtime's logs, error bodies or the context it builds.
"""
import json
import os
import shutil
import socket
import subprocess

import pytest

import rkit
import targets

pytestmark = pytest.mark.docker

SECRETS = {
    "TENCENTCLOUD_SECRETID": "AKIDreliabilitySecretId01", "TENCENTCLOUD_SECRETKEY": "reliabilitySecretKey02",
    "TENCENTCLOUD_SESSIONTOKEN": "reliabilitySessionToken03",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIreliabilityKeyId04", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "reliabilitySecret05",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "reliabilityStsToken06",
    "AWS_SECRET_ACCESS_KEY": "reliabilityAwsSecret07", "DATABASE_PASSWORD": "reliabilityDbPassword08",
}
#: Credential-like names the runtime once missed (*_PASSWD, *_API_KEY): checked on their own.
OTHER_SECRETS = {"DB_PASSWD": "reliabilityPasswd09", "SERVICE_API_KEY": "reliabilityApiKey10"}
PLAIN = {"MY_SETTING": "plain-value-visible"}
PROVIDERS = ("tencent", "aliyun", "jdcloud")


def security_probe(docker_ready, tag, mount_mode, code_dir):
    done = rkit.docker("run", "--rm", "-v", "%s:/var/task:%s" % (code_dir, mount_mode), *rkit.runtime_mounts(), rkit.image(tag),
                       "--provider", "tencent", "index.handler", "{}", timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    return json.loads(done.stdout.decode("utf-8"))


@pytest.fixture
def code_copy(tmp_path):
    """A root-owned, mode 0755 copy of tests/functions/security, as a deployed code directory."""
    target = tmp_path / "code"
    shutil.copytree(os.path.join(rkit.FUNCTIONS, "security"), str(target),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    os.chmod(str(target), 0o755)
    return str(target)


@pytest.mark.parametrize("mount_mode", ["ro", "rw"])
@pytest.mark.parametrize("tag", rkit.TAGS)
def test_user_code_is_unprivileged_and_writes_only_tmp(docker_ready, tag, mount_mode, code_copy):
    probe = security_probe(docker_ready, tag, mount_mode, code_copy)
    assert probe["uid"] != 0 and probe["euid"] != 0 and probe["gid"] != 0, probe
    assert 0 not in probe["groups"] and probe["user"] == "function", probe
    writes = probe["writes"]
    assert writes.pop("/tmp/NEW") == "written", probe
    denied = dict((path, result) for path, result in writes.items() if not result.startswith("denied"))
    assert not denied, "the function's user could write %s" % denied
    assert len(writes) >= 6, writes


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_image_code_directory_and_runtime_are_read_only_without_a_mount(docker_ready, tag):
    """The image's own /var/task (nothing mounted) and /var/runtime: root-owned, not writable by the user."""
    script = ("import os, json\n"
              "print(json.dumps({'uid': os.getuid(), 'task': os.access('/var/task', os.W_OK),"
              " 'runtime': os.access('/var/runtime', os.W_OK),"
              " 'package': os.access('/var/runtime/fnruntime', os.W_OK),"
              " 'owner': [os.stat(p).st_uid for p in ('/var/task', '/var/runtime', '/var/runtime/fnruntime')],"
              " 'tmp': os.access('/tmp', os.W_OK)}))")
    done = rkit.docker("run", "--rm", rkit.image(tag), "python", "-c", script, timeout=120)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.decode())
    assert facts == {"uid": facts["uid"], "task": False, "runtime": False, "package": False, "owner": [0, 0, 0],
                     "tmp": True} and facts["uid"] != 0, facts


# -- listeners --------------------------------------------------------------------------------------------------------

def listening_addresses(container):
    """Listening TCP sockets inside the container, as (ip, port) from /proc/net/tcp."""
    found = []
    for line in container.exec_("cat", "/proc/net/tcp").splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A":
            address, port = fields[1].split(":")
            ip = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
            found.append((ip, int(port, 16)))
    return found


def host_ip():
    """A non-loopback address of this host (the route to the outside), or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def reachable(address):
    try:
        with socket.create_connection(address, timeout=3) as sock:
            sock.sendall(rkit.pack({"id": 1, "event": {}}))
            sock.settimeout(10)
            return rkit.read_frame(sock.recv).get("id") == 1
    except (OSError, EOFError, ValueError):
        return False


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_listener_binds_where_the_user_says(docker_ready, tag):
    """tcp:127.0.0.1 listens on the container's loopback only (so a published port does not reach it);
    tcp:0.0.0.0 with `-p 127.0.0.1::9000` is reachable on the host's loopback and not on its other addresses."""
    inside = rkit.Container(tag, ["--serve", "tcp:127.0.0.1:9000", "counter/index.handler"])
    public = rkit.Container(tag, ["--serve", "tcp:0.0.0.0:9000", "counter/index.handler"])
    try:
        assert rkit.wait_until(lambda: ("0.0.0.0", 9000) in listening_addresses(public), 60), public.logs()
        assert reachable(public.address) and public.address[0] == "127.0.0.1", public.address
        other = host_ip()
        if other is not None:
            assert not reachable((other, public.address[1])), \
                "a port published on 127.0.0.1 answered on %s" % other
        assert rkit.wait_until(lambda: ("127.0.0.1", 9000) in listening_addresses(inside), 60), inside.logs()
        assert listening_addresses(inside) == [("127.0.0.1", 9000)], listening_addresses(inside)
        assert not reachable(inside.address), "a listener on the container's loopback was reachable from the host"
        assert "listening on tcp:127.0.0.1:9000" in inside.logs(), inside.logs()
    finally:
        inside.remove()
        public.remove()


# -- secrets ----------------------------------------------------------------------------------------------------------

def assert_no_secret(text, where, secrets=SECRETS):
    leaked = sorted(name for name, value in secrets.items() if value in text)
    assert not leaked, "%s shows %s: ...%s" % (where, leaked, text[-2000:])


def oneshot(tag, provider, handler, env):
    argv = [rkit.docker_cli(), "run", "--rm", "-i", "-v", "%s:/var/task:ro" % rkit.FUNCTIONS]
    for key, value in sorted(env.items()):
        argv += ["-e", "%s=%s" % (key, value)]
    argv += rkit.runtime_mounts() + [rkit.image(tag), "--provider", provider, handler]
    done = subprocess.run(argv, input=b"{}", stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("tag", rkit.TAGS)
def test_a_failing_handler_with_credentials_set_shows_none(docker_ready, tag, provider):
    status, out, err = oneshot(tag, provider, "secrets/index.handler", dict(SECRETS, **PLAIN))
    assert status == 1 and "about to fail" in err, (status, out, err[-2000:])
    assert_no_secret(out, "the error body")
    assert_no_secret(err, "the log")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("tag", rkit.TAGS)
def test_the_context_carries_no_credential(docker_ready, tag, provider):
    """str/repr of the context (seed 001 prints it) and tencent's `environment` hold no credential; the function's
    own plain variables are in `environment`."""
    status, out, err = oneshot(tag, provider, "secrets/index.context_view", dict(SECRETS, **PLAIN))
    assert status == 0, (out, err[-2000:])
    assert_no_secret(out, "the context")
    assert_no_secret(err, "the log")
    view = json.loads(out)
    if provider == "tencent":
        environment = view["environment"]
        assert environment.get("MY_SETTING") == PLAIN["MY_SETTING"], environment
        assert not set(SECRETS) & set(environment), environment


def test_tencent_environment_hides_passwd_and_api_key_variables(docker_ready):
    status, out, err = oneshot("py36", "tencent", "secrets/index.context_view", dict(OTHER_SECRETS, **PLAIN))
    assert status == 0, err
    assert_no_secret(out, "the context", OTHER_SECRETS)


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_served_errors_and_container_logs_show_no_credential(docker_ready, tag):
    container = rkit.Container(tag, ["--serve", "tcp:0.0.0.0:9000", "secrets/index.handler"],
                               env=dict(SECRETS, **PLAIN))
    try:
        target = targets.TcpServer.__new__(targets.TcpServer)
        targets.Framed.__init__(target, rkit.VERSION_OF_TAG[tag], rkit.DEFAULT_PROVIDER[tag])
        target.container, target.sock = container, None
        assert rkit.wait_until(lambda: reachable_error(target), 60), container.logs()
        reply = target.invoke({})
        assert not reply.ok and reply.error_type == "UnhandledError", reply
        assert_no_secret(json.dumps(reply.raw), "the response frame")
        assert_no_secret(container.logs(), "the container's log")
    finally:
        container.remove()


def reachable_error(target):
    try:
        target.sock = None
        return target.invoke({}, timeout=10).error_type == "UnhandledError"
    except (OSError, EOFError, ValueError, AssertionError):
        return False
