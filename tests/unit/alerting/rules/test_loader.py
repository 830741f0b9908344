import os

import pytest

from itops.alerting.rules.model import Severity
from itops.alerting.rules.loader import CheckRule, MetricRule, OfflineRule, RuleLoadError, RuleSet, load_rules
from itops.alerting.rules.templates import TemplateError, compile_template

GOOD = """rules:
  - name: HostCpuHigh
    metric: itops_host_cpu_usage_ratio
    match: {cpu: total}
    function: avg
    window: 5m
    op: ">"
    threshold: 0.9
    recovery_threshold: 0.8
    for: 5m
    severity: P3
    annotations: {summary: "CPU at {{ value | percent }} on {{ labels.host }}"}
  - name: TcpServiceDown
    check: tcp_connect
    statuses: {CRITICAL: P2, WARNING: P3}
    for: 1m
  - name: HostOffline
    offline: {entity: host, after: 3m}
    severity: P2
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path, text, name="r.yaml"):
    with pytest.raises(RuleLoadError) as caught:
        load_rules([write(tmp_path, name, text)])
    return str(caught.value)


def rule(body):
    return "rules:\n  - name: R\n    metric: m\n    severity: P3\n" + body


def test_loads_the_three_kinds(tmp_path):
    metric, check, offline = load_rules([write(tmp_path, "r.yaml", GOOD)])
    assert isinstance(metric, MetricRule) and (metric.function, metric.window_s, metric.for_s, metric.recovery_threshold) == ("avg", 300.0, 300.0, 0.8)
    assert isinstance(check, CheckRule) and check.statuses == {"CRITICAL": Severity.P2, "WARNING": Severity.P3}
    assert isinstance(offline, OfflineRule) and (offline.entity, offline.after_s) == ("host", 180.0)


def test_directory_loads_all_yaml_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yml", rule("    op: '>'\n    threshold: 1\n").replace("name: R", "name: Other"))
    write(tmp_path, "notes.txt", "not rules")
    assert [r.name for r in load_rules([tmp_path])] == ["HostCpuHigh", "TcpServiceDown", "HostOffline", "Other"]


def test_unknown_function_names_file_line_and_choices(tmp_path):
    message = error_of(tmp_path, rule("    function: median\n    window: 5m\n    op: '>'\n    threshold: 1\n"))
    assert message.endswith("r.yaml:5: rules[0].function: unknown function 'median'; expected one of: last, avg, min, max, rate, count, seconds_until_full, absent")


def test_bad_operator(tmp_path):
    assert "r.yaml:5: rules[0].op: unknown operator '=>'" in error_of(tmp_path, rule("    op: '=>'\n    threshold: 1\n"))


def test_recovery_threshold_above_threshold_with_greater_than(tmp_path):
    message = error_of(tmp_path, rule("    op: '>'\n    threshold: 0.8\n    recovery_threshold: 0.9\n"))
    assert message.endswith("r.yaml:7: rules[0].recovery_threshold: 0.9 must not be above threshold 0.8 with op >")


def test_recovery_threshold_below_threshold_with_less_than(tmp_path):
    assert "must not be below threshold 10.0 with op <" in error_of(
        tmp_path, rule("    op: '<'\n    threshold: 10\n    recovery_threshold: 5\n"))


def test_duplicate_name_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", "rules:\n  - name: HostOffline\n    offline: {entity: host, after: 1m}\n    severity: P1\n")
    with pytest.raises(RuleLoadError) as caught:
        load_rules([tmp_path])
    assert str(caught.value) == f"{tmp_path}/b.yaml:2: rules[0].name: rule name 'HostOffline' is already used in {tmp_path}/a.yaml"


def test_bad_template(tmp_path):
    message = error_of(tmp_path, rule("    op: '>'\n    threshold: 1\n    annotations: {summary: '{{ value | gigabytes }}'}\n"))
    assert "r.yaml:7: rules[0].annotations.summary: bad template: unknown filter 'gigabytes'" in message


def test_window_required_for_avg(tmp_path):
    assert "rules[0].window: function avg needs a window" in error_of(tmp_path, rule("    function: avg\n    op: '>'\n    threshold: 1\n"))


def test_min_coverage_defaults_to_half_the_window_and_can_be_set(tmp_path):
    [default] = load_rules([write(tmp_path, "d.yaml", rule("    function: rate\n    window: 5m\n    op: '>'\n    threshold: 1\n"))])
    [strict] = load_rules([write(tmp_path, "s.yaml", rule(
        "    function: rate\n    window: 5m\n    min_coverage: 0.9\n    op: '>'\n    threshold: 1\n"))])
    assert (default.min_coverage, strict.min_coverage) == (0.5, 0.9)


def test_min_coverage_outside_zero_to_one_or_on_last_is_refused(tmp_path):
    assert "rules[0].min_coverage: expected a share from 0 to 1 (e.g. 0.5 for half the window), got 50" in error_of(
        tmp_path, rule("    function: avg\n    window: 5m\n    min_coverage: 50\n    op: '>'\n    threshold: 1\n"))
    assert "rules[0].min_coverage: has no meaning with function last" in error_of(
        tmp_path, rule("    min_coverage: 0.5\n    op: '>'\n    threshold: 1\n"))


def test_rule_needs_exactly_one_kind(tmp_path):
    assert "needs exactly one of metric, check or offline" in error_of(
        tmp_path, "rules:\n  - name: R\n    metric: m\n    check: ping\n    statuses: {CRITICAL: P1}\n")


def test_errors_of_every_file_are_reported(tmp_path):
    write(tmp_path, "a.yaml", rule("    op: '>>'\n    threshold: 1\n"))
    write(tmp_path, "b.yaml", rule("    op: '>'\n"))
    with pytest.raises(RuleLoadError) as caught:
        load_rules([tmp_path])
    assert [e.field for e in caught.value.errors] == ["rules[0].op", "rules[0].threshold"]


def test_reload_if_changed_picks_up_edits(tmp_path):
    path = write(tmp_path, "r.yaml", GOOD)
    rule_set = RuleSet.load([tmp_path])
    assert rule_set.reload_if_changed() is False
    path.write_text(GOOD.replace("HostCpuHigh", "HostCpuVeryHigh"))
    os.utime(path, ns=(1, 10**18))
    assert rule_set.reload_if_changed() is True
    assert rule_set.rules[0].name == "HostCpuVeryHigh"


def test_reload_keeps_last_good_rules_on_error(tmp_path):
    path = write(tmp_path, "r.yaml", GOOD)
    rule_set = RuleSet.load([path])
    path.write_text(GOOD.replace("function: avg", "function: mean"))
    os.utime(path, ns=(1, 10**18))
    assert rule_set.reload_if_changed() is False
    assert [r.name for r in rule_set.rules] == ["HostCpuHigh", "TcpServiceDown", "HostOffline"]
    assert "unknown function 'mean'" in str(rule_set.last_error)


@pytest.mark.parametrize("template, value, expected", [
    ("{{ value }}", 0.95, "0.95"),
    ("{{ value | percent }}", 0.95, "95 %"),
    ("{{ value | bytes }}", 3 * 2**30, "3 GiB"),
    ("{{ value | bytes }}", 1536, "1.5 KiB"),
    ("{{ value | duration }}", 3725, "1 h 2 min"),
    ("{{ value | duration }}", 45, "45 s"),
    ("{{ value }}", None, "n/a"),
])
def test_template_filters(template, value, expected):
    assert compile_template(template).render(value) == expected


def test_template_labels_and_message():
    text = compile_template("{{labels.host}} / {{ labels.missing }}: {{ message }}").render(1, {"host": "pc1"}, "refused")
    assert text == "pc1 / : refused"


@pytest.mark.parametrize("template", ["{{ value", "{{ valu }}", "{{ value | percent | bytes }}", "{{ message | percent }}", "{{ labels.x.y }}"])
def test_template_syntax_errors(template):
    with pytest.raises(TemplateError):
        compile_template(template)
