"""deploy/compose: the compose file is valid against the Compose Specification's JSON schema (the copy check-jsonschema
vendors, from the compose-spec project), refers only to what exists, and agrees with the collector's config, the
Dockerfile and the Grafana provisioning; the collector's config passes the collector's own loader. No Docker engine
runs here, so nothing is started: the collector's config runs for real in
tests/integration/test_deploy_console_behind_nginx.py."""

from __future__ import annotations

import importlib.resources
import json
import re

import jsonschema
import pytest
import yaml

from itops.collector.config import load_collector_config, mtls_listen

from .images import ROOT, check_commands, dockerfile_stages, exec_form, itops_commands

COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
SCHEMA = importlib.resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _schema_errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def _port(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def test_compose_file_is_valid_against_the_compose_specification():
    assert _schema_errors(_compose()) == []


def test_the_schema_check_is_not_blind():
    broken = _compose()
    broken["services"]["collector"]["port"] = ["9717:9717"]
    broken["services"]["collector"]["depends_on"]["postgres"]["condition"] = "service_ready"
    assert len(_schema_errors(broken)) == 2


def test_references_resolve():
    compose = _compose()
    services, volumes = compose["services"], set(compose["volumes"])
    for name, service in services.items():
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name} mounts {source}"
            else:
                assert source in volumes, f"{name} mounts volume {source}"
        if "build" in service:
            assert (COMPOSE_DIR / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
            assert service["build"]["target"] in dockerfile_stages()


def test_every_required_variable_is_in_the_example_env_file():
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text()))
    example = dict(line.split("=", 1) for line in (COMPOSE_DIR / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert required and required == set(example)


def test_collector_config_passes_the_collectors_loader():
    config = load_collector_config(str(COMPOSE_DIR / "collector.yaml"))
    assert config.auth.secure_cookie, "behind the TLS proxy the session cookie is Secure"
    assert not config.enrollment.bearer_tokens, "a new installation enrolls its agents"


def test_collector_runs_the_images_entry_point_with_a_real_subcommand():
    compose, stages = _compose(), dockerfile_stages()
    pairs = set()
    for service in compose["services"].values():
        if "build" not in service:
            continue
        entrypoint = service.get("entrypoint") or exec_form(stages[service["build"]["target"]].last("ENTRYPOINT"))
        command = service.get("command") or exec_form(stages[service["build"]["target"]].last("CMD"))
        found = itops_commands([*entrypoint, *command]) if entrypoint[:2] == ["sh", "-c"] else itops_commands(
            command, entrypoint)
        assert found, service
        pairs.update(found)
    assert pairs == {("itops-collector", "run"), ("itops-collector", "init-tls")}
    check_commands(pairs)


def test_collector_paths_and_ports_match_its_config():
    collector = _compose()["services"]["collector"]
    config = load_collector_config(str(COMPOSE_DIR / "collector.yaml"))
    mounts = dict(reversed(mount.split(":")[:2]) for mount in collector["volumes"])
    assert mounts[collector["command"][-1]] == "./collector.yaml"
    assert mounts[config.data_dir] == "collector-data"
    for path in (config.grpc.tls_cert_file, config.grpc.tls_key_file, config.storage.path, config.outputs[0].outbox):
        assert path.startswith(config.data_dir + "/"), f"{path} is kept in the collector's volume"
    init = _compose()["services"]["tls-init"]
    assert f"init-tls {config.grpc.tls_cert_file.rsplit('/', 1)[0]} " in init["command"][0]
    assert init["volumes"] == [f"collector-data:{config.data_dir}"]
    published = {int(port.rsplit(":", 1)[1]): port for port in collector["ports"]}
    assert set(published) == {_port(config.grpc.listen), _port(config.http.listen), _port(mtls_listen(config))}
    assert published[_port(config.http.listen)].startswith("127.0.0.1:"), "people come through the proxy"


def test_postgresql_settings_reach_the_collector_as_libpq_variables():
    services = _compose()["services"]
    environment, database = services["collector"]["environment"], services["postgres"]["environment"]
    assert environment["PGHOST"] in services
    assert (environment["PGUSER"], environment["PGDATABASE"]) == (database["POSTGRES_USER"], database["POSTGRES_DB"])
    assert environment["PGPASSWORD"] == database["POSTGRES_PASSWORD"]
    assert services["collector"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_victoriametrics_is_where_the_output_writes_and_grafana_reads():
    services = _compose()["services"]
    config = load_collector_config(str(COMPOSE_DIR / "collector.yaml"))
    datasource = yaml.safe_load((COMPOSE_DIR / "grafana-datasource.yaml").read_text())["datasources"][0]
    assert config.outputs[0].url == datasource["url"] == "http://victoriametrics:8428"
    assert "victoriametrics" in services
    assert "-dedup.minScrapeInterval=1ms" in services["victoriametrics"]["command"]


@pytest.mark.parametrize("field", ["name", "uid", "type", "access", "jsonData"])
def test_grafana_datasource_is_the_provisioned_one_with_the_services_address(field):
    shipped = yaml.safe_load((ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "victoriametrics.yaml")
                             .read_text())["datasources"][0]
    compose = yaml.safe_load((COMPOSE_DIR / "grafana-datasource.yaml").read_text())["datasources"][0]
    assert set(compose) == set(shipped) and compose[field] == shipped[field]


def test_grafana_loads_the_promql_dashboards_through_the_provisioning():
    grafana = _compose()["services"]["grafana"]
    mounts = dict(mount.split(":")[:2] for mount in grafana["volumes"])
    provider = yaml.safe_load((ROOT / "deploy" / "grafana" / "provisioning" / "dashboards" / "itops.yaml")
                              .read_text())["providers"][0]
    assert provider["options"]["path"] == "$ITOPS_DASHBOARDS"
    dashboards = grafana["environment"]["ITOPS_DASHBOARDS"]
    assert mounts["../../dashboards/promql"] == dashboards + "/promql"
    assert any((COMPOSE_DIR / "../../dashboards/promql").glob("*.json"))
    assert mounts["../grafana/provisioning/dashboards"] == "/etc/grafana/provisioning/dashboards"
