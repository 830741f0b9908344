"""The collector config's own checks on agent credentials: errors name file, line and field."""

from __future__ import annotations

import pytest

from itops.collector.config import load_collector_config
from itops.yamlconf import ConfigError

HASH = "ab" * 32


def _config(tmp_path, agents: str) -> str:
    path = tmp_path / "collector.yaml"
    path.write_text(f"storage:\n  type: sqlite\n  path: {tmp_path / 'tsdb'}\ngrpc:\n  insecure: true\nagents:\n{agents}")
    return str(path)


def test_credentials_with_own_hostnames_and_devices_load(tmp_path):
    path = _config(tmp_path, f"  - id: a1\n    token_sha256: {HASH}\n    hostname: web-1\n    devices: [printer-1]\n"
                             f"  - id: a2\n    token_sha256: {HASH}\n    hostname: web-2\n    devices: [printer-2]\n")
    assert [agent.devices for agent in load_collector_config(path).agents] == [["printer-1"], ["printer-2"]]


@pytest.mark.parametrize(("agents", "where", "name"), [
    (f"  - id: a1\n    token_sha256: {HASH}\n    hostname: web-1\n"
     f"  - id: a2\n    token_sha256: {HASH}\n    hostname: web-1\n", "12: agents[1].hostname", "web-1"),
    (f"  - id: a1\n    token_sha256: {HASH}\n    devices: [printer-1]\n"
     f"  - id: a2\n    token_sha256: {HASH}\n    devices:\n      - ups-1\n      - printer-1\n",
     "14: agents[1].devices[1]", "printer-1"),
], ids=["hostname", "device"])
def test_one_hostname_or_device_given_to_two_credentials_is_refused(tmp_path, agents, where, name):
    path = _config(tmp_path, agents)
    with pytest.raises(ConfigError) as refused:
        load_collector_config(path)
    assert str(refused.value) == f"{path}:{where}: {name!r} is already given to agent 'a1'"


def test_a_hostname_and_a_device_may_share_a_name(tmp_path):
    path = _config(tmp_path, f"  - id: a1\n    token_sha256: {HASH}\n    hostname: box-1\n"
                             f"  - id: a2\n    token_sha256: {HASH}\n    devices: [box-1]\n")
    assert len(load_collector_config(path).agents) == 2
