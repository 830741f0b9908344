"""The collector's config file: checks on agent credentials (errors name file, line and field), and options
renamed in a release still loading under their old names."""

from __future__ import annotations

import pytest

from itops.collector.config import AuthConfig, load_collector_config
from itops.common.yaml_config import ConfigError, load_text

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


def test_the_lockout_options_of_before_the_backoff_still_load_as_their_new_names():
    auth = load_text("login_max_failures: 7\nlogin_failure_window: 10m\nlogin_lockout: 30m\n", AuthConfig,
                     file="collector.yaml")
    assert (auth.login_backoff_after, auth.login_failures_forgotten_after, auth.login_backoff_max) == (7, 600, 1800)
    assert auth.login_max_failures is auth.login_failure_window is auth.login_lockout is None


def test_an_old_name_and_its_new_name_together_are_refused_naming_both():
    with pytest.raises(ConfigError) as refused:
        load_text("login_backoff_after: 3\nlogin_max_failures: 7\n", AuthConfig, file="collector.yaml")
    assert "collector.yaml" in str(refused.value)
    assert "login_max_failures: deprecated name of login_backoff_after; give only login_backoff_after" in str(refused.value)


def test_defaults_are_untouched_without_old_names():
    auth = load_text("{}\n", AuthConfig)
    assert (auth.login_backoff_after, auth.login_failures_forgotten_after, auth.login_backoff_max) == (5, 3600, 900)
