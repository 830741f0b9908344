"""The influxdb output's options: typed, bounded, unknown ones refused, credentials of the other API refused, and
output names unique in the collector config."""

from __future__ import annotations

import pytest

from itops.collector.config import load_collector_config
from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.common.yaml_config import ConfigError, load_text

REQUIRED = "type: influxdb\nurl: http://127.0.0.1:8428\noutbox: /tmp/outbox\n"


def load(extra: str = "") -> InfluxDBConfig:
    return load_text(REQUIRED + extra, InfluxDBConfig, "output.yaml")


def test_defaults():
    config = load()
    assert (config.output_name, config.api, config.schema, config.batch_lines, config.batch_interval) == (
        "influxdb", "v2", "itops", 5000, 1.0)
    assert config.outbox_limit == 2**30


@pytest.mark.parametrize("extra, field, problem", [
    ("batch_lines: 5001\n", "batch_lines", "expected `int` <= 5000"),
    ("batch_lines: 0\n", "batch_lines", "expected `int` >= 1"),
    ("retries: 3\n", "retries", "unknown option"),
    ("api: v3\n", "api", "invalid enum value 'v3'"),
    ("schema: prometheus\n", "schema", "invalid enum value 'prometheus'"),
    ("url: influxdb:8086\n", "url", "expected `str` matching regex"),
    ("name: two words\n", "name", "expected `str` matching regex"),
    ("outbox_limit: lots\n", "outbox_limit", ""),
])
def test_a_wrong_option_is_named(extra, field, problem):
    text = REQUIRED.replace("url: http://127.0.0.1:8428\n", "") if field == "url" else REQUIRED
    with pytest.raises(ConfigError) as caught:
        load_text(text + extra, InfluxDBConfig, "output.yaml")
    assert caught.value.field == field
    assert problem in caught.value.problem


@pytest.mark.parametrize("extra, problem", [
    ("api: v1\ntoken: abc\n", "token and token_file are for api v2"),
    ("username: itops\n", "username and password are for api v1"),
    ("token: abc\ntoken_file: /etc/token\n", "give token or token_file, not both"),
    ("retry_initial: 2m\nretry_max: 1m\n", "retry_initial must be above 0 and at most retry_max"),
])
def test_options_that_contradict_each_other_are_refused(extra, problem):
    with pytest.raises(ConfigError) as caught:
        load(extra)
    assert problem in caught.value.problem


def test_two_outputs_of_one_name_are_refused(tmp_path):
    path = tmp_path / "collector.yaml"
    path.write_text("grpc:\n  insecure: true\nstorage:\n  type: sqlite\n  path: /tmp/x\noutputs:\n"
                    "  - {type: influxdb, url: 'http://a:8428', outbox: /tmp/o}\n"
                    "  - {type: influxdb, url: 'http://b:8086', outbox: /tmp/o}\n")
    with pytest.raises(ConfigError) as caught:
        load_collector_config(str(path))
    assert (caught.value.field, caught.value.line) == ("outputs[1].name", 8)
    assert "another output is named 'influxdb'" in caught.value.problem


def test_a_misspelt_output_type_lists_the_outputs(tmp_path):
    path = tmp_path / "collector.yaml"
    path.write_text("grpc:\n  insecure: true\nstorage:\n  type: sqlite\n  path: /tmp/x\noutputs:\n"
                    "  - {type: influx, url: 'http://a:8428', outbox: /tmp/o}\n")
    with pytest.raises(ConfigError) as caught:
        load_collector_config(str(path))
    assert caught.value.problem.endswith("expected one of: influxdb")
