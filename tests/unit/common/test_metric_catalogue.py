"""The metric catalogue names every metric the agent emits and nothing else, and values read as people write them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from itops.collector.records import entity_directory
from itops.common.metric_catalogue import (
    CATALOGUE_FILE,
    Catalogue,
    catalogue,
    format_value,
    metric_name,
)
from itops.common.yaml_config import ConfigError, load_text

AGENT_DIR = Path(__file__).resolve().parents[3] / "agent"
METRIC_NAME = re.compile(r"itops_[a-z0-9_]*[a-z0-9]")


def _metric_name_constants(tree: ast.AST) -> set[str]:
    """Every string constant that is a whole metric name (scheduled jobs are named otherwise)."""
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and METRIC_NAME.fullmatch(node.value)}


def _built_name_patterns(tree: ast.AST) -> set[str]:
    """Metric names built by f-strings (``f"itops_attendance_clock_{store}_capacity"``) as regular expressions."""
    patterns = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr) or not node.values:
            continue
        first = node.values[0]
        if isinstance(first, ast.Constant) and str(first.value).startswith("itops_"):
            patterns.add("".join(re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z0-9_]+"
                                 for part in node.values))
    return patterns


def _emitted() -> tuple[set[str], set[str]]:
    names, patterns = set(), set()
    for path in AGENT_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= _metric_name_constants(tree)
        patterns |= _built_name_patterns(tree)
    return names, patterns


def test_the_scan_finds_literal_and_built_metric_names():
    names, patterns = _emitted()
    assert {"itops_host_cpu_usage_ratio", "itops_ups_output_source", "itops_agent_input_up"} <= names
    assert any(re.fullmatch(p, "itops_attendance_clock_users_capacity") for p in patterns)


def test_every_metric_the_agent_emits_has_an_entry():
    names, patterns = _emitted()
    missing = sorted(names - set(catalogue().metrics))
    assert missing == [], f"add these to {CATALOGUE_FILE.name}: {missing}"
    unmatched = sorted(p for p in patterns if not any(re.fullmatch(p, name) for name in catalogue().metrics))
    assert unmatched == [], f"no entry in {CATALOGUE_FILE.name} for the names these build: {unmatched}"


def test_every_agent_entry_names_a_metric_the_agent_emits():
    names, patterns = _emitted()
    stale = sorted(name for name, entry in catalogue().metrics.items() if entry.emitted_by == "agent"
                   and name not in names and not any(re.fullmatch(p, name) for p in patterns))
    assert stale == [], f"the agent emits none of these: {stale}"


def _readings_made_in_entities() -> set[str]:
    tree = ast.parse(Path(entity_directory.__file__).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "EntityMetric" and isinstance(node.args[0], ast.Constant)}


def test_every_key_reading_has_an_entry_and_every_entry_is_a_key_reading():
    shown = {key.name for keys in entity_directory.KEY_METRICS.values() for key in keys} | _readings_made_in_entities()
    assert shown == set(catalogue().readings)
    for keys in entity_directory.KEY_METRICS.values():
        for key in keys:
            assert key.metric in catalogue().metrics, key


def test_every_state_set_names_its_label_and_every_bool_says_both_values():
    for name, entry in {**catalogue().metrics, **catalogue().readings}.items():
        if entry.unit == "state":
            assert entry.label and entry.values, name
        if entry.unit == "bool":
            assert set(entry.values) == {"0", "1"}, name
        if entry.unit not in ("bool", "state"):
            assert not entry.values and entry.label is None, name


@pytest.mark.parametrize(("metric", "value", "zh", "en"), [
    ("itops_host_cpu_usage_ratio", 0.18, "18 %", "18 %"),
    ("itops_host_filesystem_usage_ratio", 0.931, "93.1 %", "93.1 %"),
    ("itops_ups_battery_runtime_seconds", 4560, "1 小时 16 分", "1 h 16 min"),
    ("itops_file_newest_age_seconds", 200_000, "2 天 7 小时", "2 d 7 h"),
    ("itops_ping_rtt_seconds", 0.0234, "23 毫秒", "23 ms"),
    ("itops_attendance_clock_drift_seconds", -300, "-5 分", "-5 min"),
    ("itops_host_uptime_seconds", 0, "0 秒", "0 s"),
    ("itops_host_memory_total_bytes", 8 * 2**30, "8 GiB", "8 GiB"),
    ("itops_file_newest_size_bytes", 1536, "1.5 KiB", "1.5 KiB"),
    ("itops_agent_buffer_bytes", 512, "512 B", "512 B"),
    ("itops_host_disk_read_bytes_per_second", 3.5 * 2**20, "3.5 MiB/s", "3.5 MiB/s"),
    ("itops_network_interface_speed_bytes_per_second", 125_000_000, "1 Gbit/s", "1 Gbit/s"),
    ("itops_network_interface_speed_bytes_per_second", 12_500_000, "100 Mbit/s", "100 Mbit/s"),
    ("itops_host_disk_reads_per_second", 12.26, "12.3 次/秒", "12.3 /s"),
    ("itops_environment_temperature_celsius", 23.46, "23.5 °C", "23.5 °C"),
    ("itops_environment_humidity_ratio", 0.45, "45 %RH", "45 %RH"),
    ("itops_ups_input_voltage_volts", 229.6, "229.6 V", "229.6 V"),
    ("itops_printer_pages_total", 12345, "12,345 页", "12,345 pages"),
    ("itops_agent_sent_batches_total", 1234567, "1,234,567", "1,234,567"),
    ("itops_host_load1", 0.5619999999999635, "0.56", "0.56"),
    ("itops_http_response_status_code", 503, "503", "503"),
    ("itops_ups_battery_replace_needed", 1, "需要更换", "needed"),
    ("itops_snmp_up", 0, "无应答", "not answering"),
])
def test_values_read_in_their_unit(metric, value, zh, en):
    assert (format_value(metric, value, "zh-CN"), format_value(metric, value, "en")) == (zh, en)


def test_key_readings_read_in_their_unit():
    on_battery = catalogue().readings["on_battery"]
    assert [format_value(on_battery, v, "en") for v in (0, 1)] == ["on mains", "on battery"]
    assert [format_value(on_battery, v, "zh-CN") for v in (0, 1)] == ["市电供电", "电池供电"]
    assert format_value(catalogue().readings["ports_up"], 1, "en") == "1"
    assert format_value(catalogue().readings["pages"], 1, "en") == "1 page"


def test_a_state_set_reads_the_state_its_label_names():
    assert format_value("itops_ups_output_source", 1, "en", {"source": "battery"}) == "battery"
    assert format_value("itops_ups_output_source", 0, "zh-CN", {"source": "normal"}) == "非市电"
    assert format_value("itops_systemd_unit_active_state", 1, "en", {"state": "brand_new"}) == "brand_new"


@pytest.mark.parametrize(("metric", "value", "text"), [
    ("itops_new_queue_bytes", 2**20, "1 MiB"), ("itops_new_wait_seconds", 90, "1 min 30 s"),
    ("itops_new_share_ratio", 0.5, "50 %"), ("itops_new_events_total", 4200, "4,200"),
    ("itops_new_probe_celsius", 40, "40 °C"), ("itops_new_rate_bytes_per_second", 2048, "2 KiB/s"),
    ("itops_new_power_watts", 451.4, "451 W"), ("itops_new_thing", 3.14159, "3.14"),
])
def test_an_unknown_metric_is_written_by_its_unit_suffix(metric, value, text):
    assert format_value(metric, value, "en") == text
    assert metric_name(metric, "en") == metric


def test_names_in_both_languages():
    assert metric_name("itops_host_cpu_usage_ratio", "zh-CN") == "CPU 使用率"
    assert metric_name("itops_host_cpu_usage_ratio", "en") == "CPU usage"


def test_a_wrong_entry_is_refused_naming_the_field():
    with pytest.raises(ConfigError, match=r"metrics\.itops_x_ratio\.unit"):
        load_text(_HEAD + "metrics:\n  itops_x_ratio: {unit: percentage, zh-CN: x, en: x}\nreadings: {}\n", Catalogue, "c.yaml")
    with pytest.raises(ConfigError, match="colour"):
        load_text(_HEAD + "metrics:\n  itops_x_ratio: {unit: ratio, zh-CN: x, en: x, colour: red}\nreadings: {}\n", Catalogue)
    with pytest.raises(ConfigError, match=r"metrics\.itops_x_ratio\.type"):
        load_text(_HEAD + "metrics:\n  itops_x_ratio: {unit: ratio, zh-CN: x, en: x, type: summary}\nreadings: {}\n", Catalogue)


_HEAD = "common_labels: {}\nmeasurements: [itops_x]\n"
