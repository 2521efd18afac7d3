"""The SDK inside the image, as functions chain in the cloud: `caller` in runtime:py36-aliyun invokes `worker` of the
same template through the image's installed fc2 (aliyun-fc2 2.3.0), with the endpoint in its environment. The
endpoint listens on 0.0.0.0 (the containers reach it at the docker bridge's gateway address)."""
import base64
import ipaddress
import json

from sdkkit import install_sdk, run_client, start_functions
from projectkit import free_port, require_images


def bridge_gateway(client):
    config = client.networks.get("bridge").attrs["IPAM"]["Config"][0]
    return config.get("Gateway") or str(ipaddress.ip_network(config["Subnet"])[1])


def test_function_calls_another_through_the_images_fc2(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py36-aliyun")
    port = free_port()
    endpoint = start_functions(tmp_path_factory, "fc", ["--host", "0.0.0.0", "--env",
                                                        "WORKER_ENDPOINT=http://%s:%d" % (bridge_gateway(docker_engine),
                                                                                      port),
                                                        "--env", "CALL_SERVICE=sdktest"], port=port)
    try:
        answer, = run_client("fc", install_sdk("aliyun-fc2==2.5.2"), {
            "endpoint": "http://127.0.0.1:%d" % port,
            "calls": [{"kind": "invoke", "service": "sdktest", "function": "caller",
                       "payload": base64.b64encode(b'{"op": "echo", "via": "caller"}').decode()}]})
        assert "data" in answer, (answer, endpoint.stderr()[-3000:])
        result = json.loads(base64.b64decode(answer["data"]))
        assert result["worker"] == {"echo": {"op": "echo", "via": "caller"}, "function": "worker"}, result
        assert result["request_id"]
    finally:
        endpoint.stop()
