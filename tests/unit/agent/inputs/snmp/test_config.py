"""The snmp input's config model: device validation, addresses, labels, and that loading it stays light."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from itops.agent.inputs.snmp.config import SHIPPED_PROFILES_DIR, SnmpConfig, SnmpDeviceConfig
from itops.common.yaml_config import ConfigError, load_text


def load(devices_yaml: str, extra: str = "") -> SnmpConfig:
    return load_text(f"type: snmp\n{extra}devices:\n{textwrap.indent(textwrap.dedent(devices_yaml), '  ')}", SnmpConfig, "snmp.yaml")


def error_of(devices_yaml: str, extra: str = "") -> str:
    with pytest.raises(ConfigError) as caught:
        load(devices_yaml, extra)
    return str(caught.value)


def test_v2c_device_defaults():
    device = load("- name: hall-printer\n  address: 10.0.0.5\n  community: public\n").devices[0]
    assert (device.version, device.timeout, device.retries, device.interval, device.profile) == ("2c", 2.0, 1, None, None)


@pytest.mark.parametrize("address, expected", [
    ("10.0.0.5", ("10.0.0.5", 161)),
    ("10.0.0.5:1161", ("10.0.0.5", 1161)),
    ("printer.example.com:162", ("printer.example.com", 162)),
    ("[fe80::1]:1161", ("fe80::1", 1161)),
    ("[::1]", ("::1", 161)),
])
def test_host_and_port(address, expected):
    device = SnmpDeviceConfig(name="d", address=address, community="public")
    assert device.host_and_port() == expected


def test_bad_address_names_file_line_and_device():
    message = error_of("- name: a\n  address: 'printer 1:161'\n  community: public\n")
    assert message == "snmp.yaml:3: devices[0]: address 'printer 1:161' is not host, host:port or [IPv6]:port"


def test_v2c_without_community_is_an_error():
    assert error_of("- name: a\n  address: 10.0.0.1\n").endswith("devices[0]: version 2c needs `community`")


def test_v3_without_user_is_an_error():
    assert error_of("- name: a\n  address: 10.0.0.1\n  version: '3'\n").endswith("devices[0]: version 3 needs `user`")


def test_v3_short_key_is_an_error_that_does_not_show_the_key():
    message = error_of("- name: a\n  address: 10.0.0.1\n  version: '3'\n  user: u\n  auth_key: s3cr3t\n")
    assert message.endswith("`auth_key` must have at least 8 characters")
    assert "s3cr3t" not in message


def test_v3_priv_without_auth_is_an_error():
    message = error_of("- name: a\n  address: 10.0.0.1\n  version: '3'\n  user: u\n  priv_key: privpass123\n")
    assert message.endswith("`priv_key` needs `auth_key` (SNMPv3 has no privacy without authentication)")


def test_unknown_auth_protocol_lists_the_known_ones():
    message = error_of("- name: a\n  address: 10.0.0.1\n  version: '3'\n  user: u\n  auth_protocol: SHA1\n  auth_key: authpass123\n")
    assert message == "snmp.yaml:3: devices[0]: `auth_protocol` 'SHA1' is not one of MD5, SHA, SHA224, SHA256, SHA384, SHA512"


def test_duplicate_device_names_are_an_error():
    message = error_of("- {name: a, address: 10.0.0.1, community: public}\n- {name: a, address: 10.0.0.2, community: public}\n")
    assert message.endswith("two devices are named 'a'; device names must be unique")


def test_unknown_profile_override_is_an_error(tmp_path):
    message = error_of("- {name: a, address: 10.0.0.1, community: public, profile: fax}\n", f"profiles_dir: {tmp_path}\n")
    assert "device 'a': no profile named 'fax' (looked for fax.yaml in " in message
    assert str(tmp_path) in message


def test_profile_override_may_name_a_user_profile(tmp_path):
    (tmp_path / "fax.yaml").write_text("name: fax\n")
    config = load("- {name: a, address: 10.0.0.1, community: public, profile: fax}\n", f"profiles_dir: {tmp_path}\n")
    assert config.profile_file("fax") == tmp_path / "fax.yaml"


@pytest.mark.parametrize("profile, names", [("ups", ["ups"]), ("[ups, environment]", ["ups", "environment"]), ("generic", ["generic"])])
def test_profile_option_is_a_name_or_a_list(profile, names):
    assert load(f"- {{name: a, address: 10.0.0.1, community: public, profile: {profile}}}\n").devices[0].profile_names() == names


@pytest.mark.parametrize("profile", ["[]", "[ups, ups]"])
def test_profile_list_empty_or_repeating_is_an_error(profile):
    message = error_of(f"- {{name: a, address: 10.0.0.1, community: public, profile: {profile}}}\n")
    assert message == "snmp.yaml:3: devices[0]: `profile` lists each profile once, and at least one"


def test_unknown_profile_in_a_list_is_an_error():
    message = error_of("- {name: a, address: 10.0.0.1, community: public, profile: [ups, fax]}\n")
    assert "device 'a': no profile named 'fax' (looked for fax.yaml in " in message


def test_series_labels_carry_device_asset_fields_and_labels():
    device = SnmpDeviceConfig(name="hall-printer", address="10.0.0.5", community="public", asset_number="A-17",
                              department="Finance", location="2nd floor", responsible_person="J. Doe", labels={"room": "204"})
    assert device.series_labels() == {"room": "204", "asset_number": "A-17", "department": "Finance",
                                      "location": "2nd floor", "responsible_person": "J. Doe", "device": "hall-printer"}


def test_series_labels_leave_out_unset_asset_fields():
    assert SnmpDeviceConfig(name="d", address="10.0.0.5", community="public").series_labels() == {"device": "d"}


@pytest.mark.parametrize("inputs", ["  - type: host\n", "  - type: snmp\n    devices: [{name: a, address: 10.0.0.1, community: public}]\n"])
def test_loading_agent_config_does_not_import_pysnmp(tmp_path, inputs):
    config = tmp_path / "agent.yaml"
    config.write_text(f"collector:\n  address: 127.0.0.1:9717\n  token: t\ninputs:\n{inputs}")
    script = ("import sys; from itops.agent.config import load_agent_config; "
              f"load_agent_config({str(config)!r}); print(sorted(m for m in sys.modules if m.startswith(('pysnmp', 'pyasn1'))))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_sample_config_loads():
    sample = SHIPPED_PROFILES_DIR.parent / "sample.yaml"
    config = load_text(sample.read_text(encoding="utf-8"), SnmpConfig, str(sample))
    assert [device.profile_names() for device in config.devices] == [[], ["network"], ["ups", "environment"], ["generic"]]
