"""deploy/kubernetes: every manifest is valid against the Kubernetes JSON schemas (strict: no unknown field) of the
oldest and newest versions kubernetes-validate ships, offline; names, ports, mounts and commands refer to what
exists; the configs in the ConfigMaps pass the collector's and agent's own loaders. No cluster runs here."""

from __future__ import annotations

import pathlib

import kubernetes_validate
import pytest
import yaml

from itops.agent.config import load_agent_config
from itops.collector.config import load_collector_config, mtls_listen

from .images import ROOT, check_commands, dockerfile_stages, exec_form, itops_commands

MANIFESTS = ROOT / "deploy" / "kubernetes"
FILES = sorted(MANIFESTS.rglob("*.yaml"))
VERSIONS = ("1.30", kubernetes_validate.latest_version())
IMAGE_STAGES = {"itops-collector": "collector", "itops-agent": "agent"}


def _documents() -> list[dict]:
    return [document for path in FILES for document in yaml.safe_load_all(path.read_text()) if document]


def _find(kind: str, name: str) -> dict:
    return next(d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name)


def _workload(name: str) -> dict:
    return next(d for d in _documents() if d["kind"] in ("Deployment", "DaemonSet") and d["metadata"]["name"] == name)


def _pod(name: str) -> dict:
    return _workload(name)["spec"]["template"]["spec"]


def _pod_labels(name: str) -> dict:
    return _workload(name)["spec"]["template"]["metadata"]["labels"]


def _containers(pod: dict) -> list[dict]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _config_file(tmp_path: pathlib.Path, config_map: str, key: str) -> str:
    path = tmp_path / key
    path.write_text(_find("ConfigMap", config_map)["data"][key])
    return str(path)


def test_applying_the_folder_creates_the_namespace_first():
    applied = sorted(MANIFESTS.glob("*.yaml"))
    assert [d["kind"] for d in yaml.safe_load_all(applied[0].read_text())] == ["Namespace"]
    assert all(d["metadata"].get("namespace") == "itops" for d in _documents() if d["kind"] != "Namespace")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(MANIFESTS)))
def test_manifests_are_valid_against_the_kubernetes_schemas(path, version):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)


def test_the_schema_check_is_not_blind():
    deployment = _find("Deployment", "itops-collector")
    deployment["spec"]["template"]["spec"]["containers"][0]["commands"] = ["run"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)


def test_collector_config_passes_the_collectors_loader(tmp_path):
    config = load_collector_config(_config_file(tmp_path, "itops-collector-config", "collector.yaml"))
    assert config.auth.secure_cookie and not config.enrollment.bearer_tokens


def test_collector_config_is_the_compose_one_but_for_victoriametrics_address():
    kubernetes = yaml.safe_load(_find("ConfigMap", "itops-collector-config")["data"]["collector.yaml"])
    compose = yaml.safe_load((ROOT / "deploy" / "compose" / "collector.yaml").read_text())
    kubernetes["outputs"][0].pop("url"), compose["outputs"][0].pop("url")
    assert kubernetes == compose


def test_agent_config_passes_the_agents_loader(tmp_path):
    """As `itops-agent enroll` loads it: before enrollment there is no certificate yet."""
    config = load_agent_config(_config_file(tmp_path, "itops-agent-config", "agent.yaml"), enrolling=True)
    assert config.collector.address.startswith("itops-collector.itops.svc:")


def test_containers_run_the_images_entry_points_with_real_subcommands():
    stages, pairs = dockerfile_stages(), set()
    for workload in ("itops-collector", "itops-agent"):
        for container in _containers(_pod(workload)):
            image, _, tag = container["image"].partition(":")
            stage = stages[IMAGE_STAGES[image]]
            if "command" in container:
                found = itops_commands(container["command"])
            else:
                found = itops_commands(container.get("args") or exec_form(stage.last("CMD")),
                                       exec_form(stage.last("ENTRYPOINT")))
            pairs.update(found)
    assert pairs == {("itops-collector", "run"), ("itops-collector", "init-tls"), ("itops-agent", "run"),
                     ("itops-agent", "enroll")}
    check_commands(pairs)


def test_collector_ports_services_and_mounts_match_its_config(tmp_path):
    config = load_collector_config(_config_file(tmp_path, "itops-collector-config", "collector.yaml"))
    pod = _pod("itops-collector")
    collector = pod["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in collector["ports"]}
    assert ports == {"grpc": int(config.grpc.listen.rsplit(":", 1)[1]), "http": int(config.http.listen.rsplit(":", 1)[1]),
                     "mtls": int(mtls_listen(config).rsplit(":", 1)[1])}
    for service, exposed in (("itops-collector", {"grpc", "http", "mtls"}), ("itops-collector-agents", {"grpc", "mtls"})):
        spec = _find("Service", service)["spec"]
        assert {port["targetPort"] for port in spec["ports"]} == exposed
        assert spec["selector"].items() <= _pod_labels("itops-collector").items()
    mounts = {mount["mountPath"]: mount["name"] for mount in collector["volumeMounts"]}
    assert mounts[collector["args"][-1]] == "config" and mounts[config.data_dir] == "data"
    assert pod["securityContext"]["runAsUser"] == 10001 == pod["securityContext"]["fsGroup"]
    assert dockerfile_stages()["collector"].last("USER") == "10001:10001"


def test_collector_certificate_names_the_address_agents_in_the_cluster_use(tmp_path):
    agent = load_agent_config(_config_file(tmp_path, "itops-agent-config", "agent.yaml"), enrolling=True)
    tls_init = _pod("itops-collector")["initContainers"][0]["command"][-1]
    host = agent.collector.address.rsplit(":", 1)[0]
    assert f"--host {host}" in tls_init and host == agent.resolved_mtls_address().rsplit(":", 1)[0]


def test_postgresql_comes_from_the_settings_and_the_secret():
    settings = _find("ConfigMap", "itops-settings")["data"]
    assert {"PGHOST", "PGPORT", "PGDATABASE", "PGUSER"} <= set(settings)
    collector = _pod("itops-collector")["containers"][0]
    assert collector["envFrom"] == [{"configMapRef": {"name": "itops-settings"}}]
    password = collector["env"][0]
    assert password["name"] == "PGPASSWORD"
    reference = password["valueFrom"]["secretKeyRef"]
    secret = _find("Secret", reference["name"])
    assert reference["key"] in secret["stringData"]


def test_agent_keeps_its_state_on_the_node_and_enrolls_with_its_nodes_token(tmp_path):
    agent = load_agent_config(_config_file(tmp_path, "itops-agent-config", "agent.yaml"), enrolling=True)
    pod = _pod("itops-agent")
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["data"]["hostPath"]["path"] != agent.buffer.path, "apart from a systemd-installed agent's"
    assert pod["hostNetwork"] and pod["hostPID"]
    for container in _containers(pod):
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert mounts[agent.buffer.path] == "data"
    certificate, key = agent.certificate_paths()
    assert certificate.startswith(agent.buffer.path + "/") and key.startswith(agent.buffer.path + "/")
    enroll = next(c for c in pod["initContainers"] if c["name"] == "enroll")
    assert f"test -s {certificate}" in enroll["command"][-1], "a node enrolled before is not enrolled again"
    tokens = volumes[next(m["name"] for m in enroll["volumeMounts"] if m["mountPath"] == "/etc/itops/enroll-tokens")]
    assert tokens["secret"]["secretName"] == "itops-agent-enroll-tokens"
    assert "enroll-tokens" not in {mount["name"] for mount in pod["containers"][0]["volumeMounts"]}
    ca_mount = next(m for m in pod["containers"][0]["volumeMounts"] if agent.collector.ca_file.startswith(m["mountPath"]))
    assert volumes[ca_mount["name"]]["configMap"]["name"] == "itops-collector-ca"


def test_secrets_are_examples_outside_the_applied_folder():
    secrets = [path for path in FILES if any(d["kind"] == "Secret" for d in yaml.safe_load_all(path.read_text()))]
    assert [path.relative_to(MANIFESTS).parts[0] for path in secrets] == ["examples"]
