"""The metric registry names every metric the agent and the collector emit and nothing else, with its type,
labels, help and line-protocol shape, and values read as people write them."""

from __future__ import annotations

import ast
import collections
import datetime
import re
import socket
import sys
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from itops.agent.batcher import GatherResult
from itops.agent.buffer import BufferStats
from itops.agent.inputs import INPUTS
from itops.agent.inputs.attendance_clock.config import ClockConfig
from itops.agent.inputs.snmp.config import SnmpDeviceConfig
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import interpreters
from itops.agent.runner import InputHealth
from itops.agent.self_metrics import gather_self_metrics
from itops.agent.sender import SenderCounters
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.records import entity_directory
from itops.common.metric_catalogue import (
    ASSET_LABELS,
    CATALOGUE_FILE,
    COMMON_LABELS,
    Catalogue,
    catalogue,
    format_value,
    line_protocol_shape,
    measurement_tags,
    metric_name,
    metric_spec,
)
from itops.common.yaml_config import ConfigError, load_text
from itops.entities import ASSET_NUMBER_LABEL, HOST_LABEL
from itops.series_key import RESERVED_LABEL
from tests.simulators.web_server import Page, WebServer, write_certificate
from tests.simulators.zk_clock import ZKClockSimulator
from tests.snmprec import RECORDINGS, load_walk

ROOT = Path(__file__).resolve().parents[3]
AGENT_DIR = ROOT / "agent"
METRIC_NAME = re.compile(r"itops_[a-z0-9_]*[a-z0-9]")
LABEL_NAME = re.compile(r"[a-z_][a-z0-9_]*")


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


# --- the registry's own shape ---------------------------------------------------------------------------------


def test_every_metric_has_a_type_its_labels_and_help_in_both_languages():
    for name, entry in catalogue().metrics.items():
        assert entry.type is not None, name
        assert entry.help is not None and entry.help.zh_cn.strip() and entry.help.en.strip(), name
        assert len(set(entry.labels)) == len(entry.labels), name
        assert all(LABEL_NAME.fullmatch(label) for label in entry.labels), name
        assert not set(entry.labels) & set(COMMON_LABELS), f"{name} declares a common label"


def test_types_follow_the_naming_conventions():
    for name, entry in catalogue().metrics.items():
        assert (entry.type == "counter") == name.endswith("_total"), name
        assert (entry.type == "info") == name.endswith("_info"), name
        if entry.type == "stateset":
            assert entry.label in entry.labels or entry.unit == "bool", name


def test_every_metric_has_a_listed_measurement_and_a_field_that_make_its_name():
    listed = set(catalogue().measurements)
    for name, entry in catalogue().metrics.items():
        measurement, field = line_protocol_shape(name)
        assert measurement in listed and field, name
        assert f"{measurement}_{field}" == name
        assert entry.measurement is None or entry.measurement == measurement, name


def test_a_checks_duration_carries_the_labels_of_its_status_but_the_status():
    status, duration = metric_spec("itops_check_status"), metric_spec("itops_check_duration_seconds")
    assert set(status.labels) - {status.label} == set(duration.labels)


def test_every_listed_measurement_holds_a_metric():
    used = {line_protocol_shape(name)[0] for name in catalogue().metrics}
    assert set(catalogue().measurements) == used


def test_no_field_is_named_like_a_tag_of_its_measurement():
    clashes = [name for name in catalogue().metrics if line_protocol_shape(name)[1] in measurement_tags(line_protocol_shape(name)[0])]
    assert clashes == []


def test_a_measurement_carries_its_metrics_labels_and_the_common_ones():
    assert measurement_tags("itops_host_filesystem") == {"disk", "mountpoint", "fstype", *COMMON_LABELS}
    assert {"supply", "colour", "state", "marker"} <= measurement_tags("itops_printer")
    assert "le" in measurement_tags("itops_collector")  # its histograms' buckets
    assert measurement_tags("itops_nothing_here") == set(COMMON_LABELS)


@pytest.mark.parametrize(("metric", "shape"), [
    ("itops_host_memory_used_bytes", ("itops_host_memory", "used_bytes")),
    ("itops_host_load1", ("itops_host", "load1")),
    ("itops_printer_supply_remaining_ratio", ("itops_printer", "supply_remaining_ratio")),
    ("itops_printer_condition", ("itops", "printer_condition")),  # its entry names the measurement
    ("itops_collector_ingest_duration_seconds_bucket", ("itops_collector", "ingest_duration_seconds_bucket")),
    ("itops_output_write_duration_seconds_count", ("itops_output", "write_duration_seconds_count")),
    ("itops_host_processes_count", ("itops_host_processes", "count")),  # not a histogram's: not known
    ("itops_made_up_metric_ratio", ("itops_made_up_metric", "ratio")),
    ("nounderscore", ("nounderscore", "value")),
])
def test_line_protocol_shape(metric, shape):
    assert line_protocol_shape(metric) == shape


def test_metric_spec_is_the_entry_or_none():
    assert metric_spec("itops_host_cpu_usage_ratio").labels == ("cpu",)
    assert metric_spec("itops_collector_ingest_duration_seconds").type == "histogram"
    assert metric_spec("itops_collector_ingest_duration_seconds_bucket") is None
    assert metric_spec("itops_made_up") is None


def test_common_labels_are_the_kernels_and_the_asset_labels_are_what_configs_set():
    assert {RESERVED_LABEL, HOST_LABEL} <= set(COMMON_LABELS) and ASSET_NUMBER_LABEL in ASSET_LABELS
    assert set(ASSET_LABELS) < set(COMMON_LABELS)
    asset_values = {label: "x" for label in ASSET_LABELS}
    device = SnmpDeviceConfig(name="d", address="127.0.0.1", community="public", **asset_values)
    assert set(device.series_labels()) == {"device", *ASSET_LABELS}
    assert set(ClockConfig(name="c", address="127.0.0.1", **asset_values).asset_labels()) == set(ASSET_LABELS)


# --- every label the agent emits is declared --------------------------------------------------------------------

NOW_S = 1_717_243_200.0


class TickingClock:
    """Moves on a minute each time it is asked for a new gather, so rates have an interval."""

    def __init__(self) -> None:
        self.now_s = NOW_S

    def __call__(self) -> float:
        return self.now_s


def _input_samples(config_yaml: str, rounds: int = 1) -> list[tuple[str, dict[str, str]]]:
    """The samples an input gathers for real in ``rounds`` gathers a minute apart."""
    config_type = re.search(r"type: (\w+)", config_yaml).group(1)
    config = load_text(config_yaml, INPUTS.plugins[config_type].config_model())
    clock = TickingClock()
    instance = INPUTS.implementation_class(config_type)(config, clock=clock)
    samples = []
    try:
        for _ in range(rounds):
            acc = GatherResult({HOST_LABEL: "h"}, clock)
            instance.gather(acc)
            samples += [(name, labels) for name, labels, _value, _ts in acc.samples]
            clock.now_s += 60
            time.sleep(0.1)  # for the kernel's CPU times (counted in 10 ms ticks) to move on
    finally:
        instance.close()
    return samples


def _snmp_samples() -> list[tuple[str, dict[str, str]]]:
    """Every interpreter on every recording, polled twice a minute apart, with a device's labels."""
    assets = {label: "x" for label in ASSET_LABELS}
    labels = SnmpDeviceConfig(name="dev", address="127.0.0.1", community="public", **assets).series_labels()
    samples = []
    for path in sorted(RECORDINGS.rglob("*.snmprec")):
        walk, state = load_walk(str(path.relative_to(RECORDINGS).with_suffix(""))), {}
        for now_s in (NOW_S, NOW_S + 60):
            for interpret in interpreters().values():
                acc = GatherResult(labels)
                interpret(walk, DeviceContext("dev", now_s, state), acc)
                samples += [(name, sample_labels) for name, sample_labels, _value, _ts in acc.samples]
    return samples


def _self_samples() -> list[tuple[str, dict[str, str]]]:
    acc = GatherResult({HOST_LABEL: "h"})
    gather_self_metrics(acc, [InputHealth("host")], BufferStats(1, 2, 0, 0, 0.0), SenderCounters(), 0)
    return [(name, labels) for name, labels, _value, _ts in acc.samples]


@pytest.fixture(scope="module")
def gathered(tmp_path_factory) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """What each input sends when it gathers for real on this machine (SNMP: from recordings)."""
    folder = tmp_path_factory.mktemp("gathered")
    (folder / "backup.sql").write_bytes(b"x" * 10)
    now = datetime.datetime.fromtimestamp(NOW_S, datetime.UTC)
    certificate = write_certificate(folder, now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
    assets = ", ".join(f"{label}: x" for label in ASSET_LABELS)
    with socket.create_server(("127.0.0.1", 0)) as listener, WebServer({"/": Page(200, b"ok")}) as web, \
            ZKClockSimulator("normal") as clock:
        port = listener.getsockname()[1]
        return {
            "host": _input_samples("type: host\nper_cpu: true\nprocess_states: true\n", rounds=2),
            "file_freshness": _input_samples(f"type: file_freshness\nfiles: [{{path: '{folder}/*.sql', max_age: 1d}}]\n"),
            "tcp_connect": _input_samples(f"type: tcp_connect\ntargets: ['127.0.0.1:{port}']\n"),
            "http": _input_samples(f"type: http\nurls: ['{web.url()}']\nbody_contains: ok\n"),
            "tls_certificate_file": _input_samples(f"type: tls_certificate_file\nfiles: ['{certificate.cert}']\n"),
            "process": _input_samples(f"type: process\nprocesses: [{{name: me, process_name: '{Path(sys.executable).name}'}}]\n"),
            "ping": _input_samples("type: ping\nhosts: [127.0.0.1]\ncount: 1\n"),
            "systemd_unit": _input_samples("type: systemd_unit\nunits: [itops-test.service]\n"),
            "attendance_clock": _input_samples(
                f"type: attendance_clock\nclocks: [{{name: door, address: 127.0.0.1, port: {clock.port}, {assets}}}]\n"),
            "snmp": _snmp_samples(),
            "self": _self_samples(),
        }


def test_every_input_that_sends_samples_is_gathered(gathered):
    assert set(INPUTS.names()) - {"inventory"} <= set(gathered)
    for source in ("host", "file_freshness", "tcp_connect", "http", "tls_certificate_file", "process",
                   "attendance_clock", "snmp", "self"):
        assert gathered[source], f"{source} sent nothing"


def test_the_gathers_reach_the_families_of_labels(gathered):
    sent = {(name, label) for samples in gathered.values() for name, labels in samples for label in labels}
    assert {("itops_host_cpu_usage_ratio", "cpu"), ("itops_host_filesystem_usage_ratio", "mountpoint"),
            ("itops_printer_supply_remaining_ratio", "colour"), ("itops_network_interface_traffic_bytes_per_second", "direction"),
            ("itops_ups_input_voltage_volts", "line"), ("itops_environment_temperature_celsius", "sensor"),
            ("itops_attendance_clock_info", "firmware"), ("itops_check_status", "status")} <= sent


def test_every_label_the_agent_sends_is_declared(gathered):
    undeclared = collections.defaultdict(set)
    for samples in gathered.values():
        for name, labels in samples:
            entry = metric_spec(name)
            assert entry is not None, f"{name} has no entry in {CATALOGUE_FILE.name}"
            undeclared[name] |= set(labels) - set(entry.labels) - set(COMMON_LABELS)
    assert {name: sorted(labels) for name, labels in undeclared.items() if labels} == {}


def _literal_labels(call: ast.Call) -> tuple[str, set[str]] | None:
    """(metric, label names) of ``add_sample("itops_…", value, {"label": …})``, ``report_state_set(acc,
    "itops_…", "label", …)`` or ``report_check(…, labels={"label": …})`` where the labels are written out; None
    for other calls."""
    function = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    args = call.args
    if function in ("add_sample", "sample") and args and isinstance(args[0], ast.Constant):
        given = [*args[2:3], *(keyword.value for keyword in call.keywords if keyword.arg == "labels")]
        keys = {key.value for labels in given if isinstance(labels, ast.Dict) for key in labels.keys
                if isinstance(key, ast.Constant)}
        return args[0].value, keys
    if function == "report_state_set" and len(args) > 2 and isinstance(args[1], ast.Constant) \
            and isinstance(args[2], ast.Constant):
        return args[1].value, {args[2].value}
    if function == "report_check":  # its labels go on its itops_check_* series
        given = [*args[6:7], *(keyword.value for keyword in call.keywords if keyword.arg == "labels")]
        return "itops_check_status", {key.value for labels in given if isinstance(labels, ast.Dict)
                                      for key in labels.keys if isinstance(key, ast.Constant)}
    return None


def test_every_label_written_out_in_agent_code_is_declared():
    """Complements the gathers: the literal labels of every sample call, reached by a gather here or not."""
    undeclared = []
    for path in AGENT_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = _literal_labels(node) if isinstance(node, ast.Call) else None
            if found is None or not METRIC_NAME.fullmatch(str(found[0])):
                continue
            name, keys = found
            entry = metric_spec(name)
            missing = keys - set(entry.labels if entry else ()) - set(COMMON_LABELS)
            undeclared += [f"{path.relative_to(ROOT)}: {name}{{{label}}}" for label in sorted(missing)]
    assert undeclared == []


def test_the_literal_label_scan_finds_labels():
    tree = ast.parse('acc.add_sample("itops_x", 1, {"a": 1, **more})\nreport_state_set(acc, "itops_y", "state", s, c)\n'
                     'report_check(acc, "c", "t", ok, m, labels={"supply": i})')
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert [_literal_labels(call) for call in calls if _literal_labels(call)] == [
        ("itops_x", {"a"}), ("itops_y", {"state"}), ("itops_check_status", {"supply"})]


# --- the collector's metrics ------------------------------------------------------------------------------------

_PROMETHEUS_TYPES = {"Counter": "counter", "Gauge": "gauge", "Histogram": "histogram", "Info": "info", "Enum": "stateset",
                     "Summary": "summary", "CounterMetricFamily": "counter", "GaugeMetricFamily": "gauge",
                     "HistogramMetricFamily": "histogram", "InfoMetricFamily": "info", "StateSetMetricFamily": "stateset"}


def test_every_metric_of_the_collectors_registry_has_an_entry_of_its_type():
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    seen = set()
    for family in registry.collect():
        exported = f"{family.name}_total" if family.type == "counter" else family.name
        entry = metric_spec(exported)
        assert entry is not None, f"add {exported} to {CATALOGUE_FILE.name}"
        assert (entry.type, entry.emitted_by) == (family.type, "collector"), exported
        seen.add(exported)
    labelled = {f"{m._name}_total" if m._type == "counter" else m._name: set(m._labelnames) for m in vars(metrics).values()
                if hasattr(m, "_labelnames")}
    assert {name: set(metric_spec(name).labels) for name in labelled} == labelled
    assert len(seen) >= 13


def _label_names(call: ast.Call) -> tuple[str, ...] | None:
    """The label names a prometheus_client metric is made with, when written out."""
    given = [keyword.value for keyword in call.keywords if keyword.arg in ("labelnames", "labels")] or call.args[2:3]
    if given and isinstance(given[0], ast.List | ast.Tuple):
        return tuple(item.value for item in given[0].elts if isinstance(item, ast.Constant))
    return None if given else ()


def _prometheus_metrics_in(folder: Path) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Metric name → (type, label names) of every prometheus_client metric or metric family made in ``folder``."""
    found = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            name = node.args[0].value
            if function in _PROMETHEUS_TYPES and isinstance(name, str) and METRIC_NAME.fullmatch(name):
                kind = _PROMETHEUS_TYPES[function]
                found[name.removesuffix("_total") + "_total" if kind == "counter" else name] = (kind, _label_names(node))
    return found


def test_every_prometheus_metric_made_in_the_collector_or_alerting_has_an_entry_of_its_type_and_labels():
    made = _prometheus_metrics_in(ROOT / "collector") | _prometheus_metrics_in(ROOT / "alerting")
    assert made["itops_collector_batches_rejected_total"] == ("counter", ("reason",))
    wrong = {name: made_as for name, made_as in made.items() if (entry := metric_spec(name)) is None
             or (entry.type, entry.emitted_by) != (made_as[0], "collector")
             or (made_as[1] is not None and set(made_as[1]) != set(entry.labels))}
    assert wrong == {}


def _string_constants_in(*folders: Path) -> set[str]:
    return {node.value for folder in folders for path in folder.rglob("*.py")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_collector_entry_names_a_metric_the_collector_makes():
    constants = _string_constants_in(ROOT / "collector", ROOT / "alerting")
    stale = sorted(name for name, entry in catalogue().metrics.items() if entry.emitted_by == "collector"
                   and name not in constants and name.removesuffix("_total") not in constants)
    assert stale == [], f"nothing in collector/ or alerting/ names these: {stale}"
