"""deploy/hello: the Knative Service, the Kubernetes Deployment + Service + HorizontalPodAutoscaler and the compose
file parse, pass the Kubernetes schemas (kubernetes-validate, offline), and carry the values the function's
configuration (deploy/hello/function.env) calls for. No cluster runs here: these are the checks a cluster's API server
would make, plus the rules of clusterkit.py."""
import copy
import os

import kubernetes_validate
import pytest

from clusterkit import (DEPLOY, EXAMPLE, KNATIVE_RESERVED, SERVING_PORT, expected_concurrency, expected_memory_mi,
                        expected_timeout_seconds, function_config, load_yaml, mebibytes, read_env_file)

KUBERNETES_VERSION = "1.30.0"


def schema_check(resource):
    """kubernetes-validate in strict mode (unknown fields are errors); the first line of its complaint on failure."""
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except Exception as error:  # jsonschema's ValidationError (kubernetes-validate re-raises it)
        pytest.fail("%s %s does not pass the Kubernetes %s schema: %s (at %s)" % (
            resource.get("kind"), resource.get("metadata", {}).get("name"), KUBERNETES_VERSION,
            str(error).splitlines()[0], "/".join(str(p) for p in getattr(error, "path", ()))))


def env_of(container):
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def only_container(pod_spec):
    assert len(pod_spec["containers"]) == 1, "one container per pod: the function"
    return pod_spec["containers"][0]


def check_function_container(container, pod_spec, config):
    """What both Knative and Kubernetes pods must say: the function's variables, `--serve http` without an address,
    probes on the reserved paths, the memory as a limit, a read-only root with a writable /tmp."""
    env = env_of(container)
    for key, value in config.items():
        assert env.get(key) == value, "%s: the manifest says %r, function.env %r" % (key, env.get(key), value)
    assert container["args"] == ["--serve", "http"], "listen on 0.0.0.0:$PORT: --serve http without an address"
    assert [p["containerPort"] for p in container["ports"]] == [SERVING_PORT]
    assert container["readinessProbe"]["httpGet"]["path"] == "/_/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/_/health"
    limits, requests = container["resources"]["limits"], container["resources"]["requests"]
    assert mebibytes(limits["memory"]) == expected_memory_mi(config)
    assert mebibytes(requests["memory"]) == expected_memory_mi(config)
    assert "cpu" in requests, "the autoscalers need a CPU request"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 1000
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "/tmp" in mounts, "a read-only root needs a writable /tmp"
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "/tmp is an emptyDir"
    assert not mounts.get("/tmp", "").startswith("/var/task")


def test_function_env_names_only_runtime_variables():
    config = function_config()
    assert set(config) >= {"FUNCTION_HANDLER", "FUNCTION_TIMEOUT", "FUNCTION_MEMORY_SIZE", "FUNCTION_INSTANCES"}
    assert all(key.startswith("FUNCTION_") for key in config)
    module, _, function = config["FUNCTION_HANDLER"].partition(".")
    assert os.path.isfile(os.path.join(EXAMPLE, module + ".py")), "the handler's file is in examples/hello"
    assert "def %s(" % function in open(os.path.join(EXAMPLE, module + ".py")).read()


def test_knative_service():
    config = function_config()
    (service,) = load_yaml("knative-service.yaml")
    assert service["apiVersion"] == "serving.knative.dev/v1" and service["kind"] == "Service"
    template = service["spec"]["template"]
    spec = template["spec"]
    assert spec["containerConcurrency"] == expected_concurrency(config)
    assert spec["timeoutSeconds"] == expected_timeout_seconds(config)
    container = only_container(spec)
    check_function_container(container, spec, config)
    reserved = set(env_of(container)) & set(KNATIVE_RESERVED)
    assert not reserved, "Knative sets %s itself and rejects a Service that sets them" % sorted(reserved)
    for probe in ("readinessProbe", "livenessProbe"):
        assert "port" not in container[probe]["httpGet"], "Knative probes the serving port; a port here is refused"
    assert container["ports"][0].get("name") in (None, "http1", "h2c")
    assert "lifecycle" not in container, "Knative refuses lifecycle hooks"
    # Knative's template spec is a Kubernetes PodSpec (plus fields of its own): check it against the Pod schema, as
    # Knative hands it on, with the probes' port filled in (Knative's defaulting sets it to the serving port).
    pod_spec = copy.deepcopy({k: v for k, v in spec.items() if k not in ("containerConcurrency", "timeoutSeconds")})
    for probe in ("readinessProbe", "livenessProbe"):
        pod_spec["containers"][0][probe]["httpGet"]["port"] = container["ports"][0]["containerPort"]
    schema_check({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": service["metadata"]["name"]},
                  "spec": pod_spec})
    annotations = template["metadata"]["annotations"]
    assert int(annotations["autoscaling.knative.dev/max-scale"]) >= int(
        annotations["autoscaling.knative.dev/min-scale"])


def test_kubernetes_deployment_service_autoscaler():
    config = function_config()
    documents = load_yaml("kubernetes.yaml")
    by_kind = {doc["kind"]: doc for doc in documents}
    assert sorted(by_kind) == ["Deployment", "HorizontalPodAutoscaler", "Service"]
    for doc in documents:
        schema_check(doc)
    deployment, service, autoscaler = by_kind["Deployment"], by_kind["Service"], by_kind["HorizontalPodAutoscaler"]
    pod = deployment["spec"]["template"]
    container = only_container(pod["spec"])
    check_function_container(container, pod["spec"], config)
    env = env_of(container)
    assert int(env["PORT"]) == SERVING_PORT, "PORT (Knative sets it; here the manifest does) is the container port"
    assert env["FUNCTION_NAME"] == deployment["metadata"]["name"]
    port_name = container["ports"][0]["name"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] in (port_name, SERVING_PORT)
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert grace >= expected_timeout_seconds(config), "SIGKILL must not cut an invocation that is within its timeout"
    labels = pod["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in deployment["spec"]["selector"]["matchLabels"].items())
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items()), "the Service selects the pods"
    assert service["spec"]["ports"][0]["targetPort"] in (port_name, SERVING_PORT)
    target = autoscaler["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert autoscaler["spec"]["minReplicas"] <= deployment["spec"]["replicas"] <= autoscaler["spec"]["maxReplicas"]
    assert autoscaler["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_knative_and_kubernetes_run_the_same_image_and_values():
    (knative,) = load_yaml("knative-service.yaml")
    deployment = [d for d in load_yaml("kubernetes.yaml") if d["kind"] == "Deployment"][0]
    a = only_container(knative["spec"]["template"]["spec"])
    b = only_container(deployment["spec"]["template"]["spec"])
    assert a["image"] == b["image"]
    assert a["resources"] == b["resources"]
    assert {k: v for k, v in env_of(b).items() if k not in ("PORT", "FUNCTION_NAME")} == env_of(a)


def test_compose_runs_three_replicas_of_the_function():
    config = function_config()
    (compose,) = load_yaml("compose.yaml")
    service = compose["services"]["hello"]
    assert service["scale"] == 3
    assert service["env_file"] == "function.env"
    assert read_env_file(os.path.join(DEPLOY, service["env_file"])) == config
    assert service["command"] == ["--serve", "http"]
    assert int(service["environment"]["PORT"]) == SERVING_PORT
    assert service["ports"] == ["127.0.0.1::%d" % SERVING_PORT], "each replica on its own loopback port"
    assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
    assert mebibytes(service["mem_limit"]) == expected_memory_mi(config)
    grace = service["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) >= expected_timeout_seconds(config)
    source, target, mode = service["volumes"][0].split(":")
    assert os.path.realpath(os.path.join(DEPLOY, source)) == EXAMPLE and (target, mode) == ("/var/task", "ro")
    assert "/_/ready" in " ".join(service["healthcheck"]["test"])


def test_function_image_dockerfile_bakes_the_code_in():
    lines = [line.split() for line in open(os.path.join(DEPLOY, "Dockerfile")) if line.strip()
             and not line.startswith("#")]
    assert lines[0][0] == "ARG" and lines[0][1].startswith("RUNTIME=runtime:")
    assert lines[1] == ["FROM", "${RUNTIME}"]
    assert lines[2] == ["COPY", ".", "/var/task/"]
