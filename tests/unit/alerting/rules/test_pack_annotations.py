"""Alert annotations write values as the console and the CLI do: the same unit writer, in the annotation's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from itops.common.metric_catalogue import MetricEntry, format_value
from itops.alerting.rules.loader import MetricRule, RuleLoadError, load_rules
from itops.alerting.rules.templates import compile_template

RULES_DIR = Path(__file__).resolve().parents[4] / "alerting" / "rules" / "pack"
LANGUAGES = ("zh-CN", "en")
BARE_VALUE = re.compile(r"\{\{\s*value\s*\}\}")


def _entry(unit: str) -> MetricEntry:
    return MetricEntry(unit=unit, zh_cn="x", en="x")


def _rule(tmp_path: Path, body: str) -> MetricRule:
    path = tmp_path / "r.yaml"
    path.write_text("rules:\n  - name: R\n    severity: P3\n" + body, encoding="utf-8")
    [rule] = load_rules([path])
    return rule


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("filter_name, unit, value", [
    ("percent", "ratio", 0.931), ("percent", "ratio", 0.18), ("duration", "seconds", 4560),
    ("duration", "seconds", 255780), ("duration", "seconds", 0.25), ("duration", "seconds", -600),
    ("bytes", "bytes", 1536), ("bytes", "bytes", 3 * 2**30), ("bytes", "bytes", 512),
])
def test_each_filter_writes_what_the_console_writes(filter_name, unit, value, language):
    text = compile_template(f"{{{{ value | {filter_name} }}}}").render(value, language=language)
    assert text == format_value(_entry(unit), value, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("metric, value, labels", [
    ("itops_host_cpu_usage_ratio", 0.953, {}), ("itops_environment_temperature_celsius", 31.25, {}),
    ("itops_environment_humidity_ratio", 0.62, {}), ("itops_ups_battery_runtime_seconds", 4560, {}),
    ("itops_host_memory_available_bytes", 7.5 * 2**30, {}), ("itops_ups_on_battery", 1, {}),
    ("itops_ups_output_source", 1, {"source": "battery"}), ("itops_host_disk_reads_per_second", 250, {}),
])
def test_the_unit_filter_writes_the_metric_as_the_console_does(tmp_path, metric, value, labels, language):
    rule = _rule(tmp_path, f"    metric: {metric}\n    op: '>'\n    threshold: 0\n"
                           "    annotations: {summary: '{{ value | unit }}', summary_zh: '{{ value | unit }}'}\n")
    rendered = rule.render_annotations(value, labels)
    assert rendered["summary_zh" if language == "zh-CN" else "summary"] == format_value(metric, value, language, labels)


def test_a_zh_annotation_renders_its_filters_in_chinese(tmp_path):
    rule = _rule(tmp_path, "    metric: itops_host_filesystem_usage_ratio\n    function: seconds_until_full\n"
                           "    window: 6h\n    op: '<'\n    threshold: 604800\n    annotations:\n"
                           "      summary: 'full in {{ value | unit }}, {{ value | duration }}'\n"
                           "      summary_zh: '{{ value | unit }}后写满，{{ value | duration }}'\n")
    assert rule.render_annotations(255780, {}) == {"summary": "full in 2 d 23 h, 2 d 23 h",
                                                  "summary_zh": "2 天 23 小时后写满，2 天 23 小时"}


@pytest.mark.parametrize("metric, value, zh, en", [
    ("itops_agent_input_errors_total", 0.5, "0.5 次/秒", "0.5 /s"),
    ("itops_snmp_interface_received_bytes_total", 1536, "1.5 KiB/s", "1.5 KiB/s"),
])
def test_the_unit_of_a_rate_is_per_second(tmp_path, metric, value, zh, en):
    rule = _rule(tmp_path, f"    metric: {metric}\n    function: rate\n    window: 5m\n    op: '>'\n    threshold: 0\n"
                           "    annotations: {summary: '{{ value | unit }}', summary_zh: '{{ value | unit }}'}\n")
    assert rule.render_annotations(value, {}) == {"summary": en, "summary_zh": zh}


@pytest.mark.parametrize("body", [
    "    check: tcp_connect\n    statuses: {CRITICAL: P2}\n    annotations: {summary: '{{ value | unit }}'}\n",
    "    metric: itops_host_cpu_usage_ratio\n    function: absent\n    window: 5m\n"
    "    annotations: {summary: '{{ value | unit }}'}\n",
])
def test_the_unit_filter_is_refused_where_the_value_has_no_unit(tmp_path, body):
    path = tmp_path / "r.yaml"
    path.write_text("rules:\n  - name: R\n    severity: P3\n" + body, encoding="utf-8")
    with pytest.raises(RuleLoadError) as caught:
        load_rules([path])
    assert f"{path}:" in str(caught.value)
    assert "rules[0].annotations.summary: bad template: the unit filter needs a metric rule" in str(caught.value)


def test_an_unknown_filter_names_the_known_ones(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("rules:\n  - name: R\n    severity: P3\n    metric: m\n    op: '>'\n    threshold: 1\n"
                    "    annotations: {summary_zh: '{{ value | celsius }}'}\n", encoding="utf-8")
    with pytest.raises(RuleLoadError) as caught:
        load_rules([path])
    assert (f"{path}:7: rules[0].annotations.summary_zh: bad template: unknown filter 'celsius'; "
            "expected one of: unit, percent, duration, bytes") in str(caught.value)


def test_every_value_a_shipped_rule_shows_carries_its_unit():
    """A bare ``{{ value }}`` is a number alone: no shipped rule shows a value that has a unit that way."""
    bare = [f"{rule.source} {rule.name}.{key}" for rule in load_rules([RULES_DIR]) if isinstance(rule, MetricRule)
            for key, template in rule.annotations.items() if BARE_VALUE.search(template.source)]
    assert bare == []


def test_every_shipped_summary_with_a_value_has_it_in_both_languages():
    missing = [f"{rule.source} {rule.name}" for rule in load_rules([RULES_DIR])
               if ("value" in rule.annotations.get("summary", compile_template("")).source)
               != ("value" in rule.annotations.get("summary_zh", compile_template("")).source)]
    assert missing == []
