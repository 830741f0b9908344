"""What every input is: named after its plugin folder, the name its checks carry on the wire."""

from __future__ import annotations

import pytest

from itops.agent.inputs import INPUTS
from itops.common.yaml_config import load_file

# Alert rules and the collector match checks by these names: they must never change.
CHECK_NAMES_ON_THE_WIRE = ("attendance_clock", "file_freshness", "http", "ping", "process", "systemd_unit",
                           "tcp_connect", "tls_certificate_file")


@pytest.mark.parametrize("name", CHECK_NAMES_ON_THE_WIRE)
def test_a_check_input_is_named_after_its_folder(name):
    plugin = INPUTS.plugins[name]
    config = load_file(plugin.folder / "sample.yaml", plugin.config_model())
    assert plugin.implementation_class()(config).name == name
