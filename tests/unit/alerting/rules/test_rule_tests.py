from itops.alerting.rules.rule_tests import main, parse_series, parse_values

RULES = """rules:
  - name: HostCpuHigh
    metric: itops_host_cpu_usage_ratio
    match: {cpu: total}
    function: avg
    window: 5m
    op: ">"
    threshold: 0.9
    for: 5m
    severity: P3
    labels: {team: ops}
    annotations: {summary: "CPU at {{ value | percent }} on {{ labels.host }}"}
  - name: TcpServiceDown
    check: tcp_connect
    statuses: {CRITICAL: P2}
    for: 1m
    annotations: {summary: "{{ labels.target }} is down: {{ message }}"}
"""

TESTS = """rule_files: [rules/cpu.yaml]
evaluation_interval: 15s
tests:
  - name: cpu above 90 % fires after 5 minutes pending
    input_series:
      - series: 'itops_host_cpu_usage_ratio{agent="a1",cpu="total",host="pc1"}'
        values: "0.5x3 0.95x60"
    alert_rule_test:
      - {eval_time: 10m, alertname: HostCpuHigh, exp_alerts: []}
      - eval_time: 11m
        alertname: HostCpuHigh
        exp_alerts:
          - exp_labels: {agent: a1, cpu: total, host: pc1, severity: P3}
            exp_annotations: {summary: "CPU at 95 % on pc1"}
  - name: tcp down fires after 1 minute
    input_checks:
      - {check: tcp_connect, target: "erp:443", labels: {agent: a1, host: pc1}, at: 2m, status: CRITICAL, message: "connection refused"}
    alert_rule_test:
      - {eval_time: 150s, alertname: TcpServiceDown, exp_alerts: []}
      - eval_time: 3m
        alertname: TcpServiceDown
        exp_alerts:
          - exp_labels: {agent: a1, host: pc1, check: tcp_connect, target: "erp:443", severity: P2}
            exp_annotations: {summary: "erp:443 is down: connection refused"}
"""


def setup(tmp_path, tests=TESTS):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "cpu.yaml").write_text(RULES)
    (tmp_path / "cpu_test.yaml").write_text(tests)
    return str(tmp_path / "cpu_test.yaml")


def test_parse_values_promtool_notation():
    assert parse_values("1+2x3 _ 5x1 _x2 -1") == [1, 3, 5, 7, None, 5, 5, None, None, -1]


def test_parse_series():
    assert parse_series('m{a="1", b="x\\"y"}') == ("m", {"a": "1", "b": 'x"y'})


def test_check_ok(tmp_path, capsys):
    setup(tmp_path)
    assert main(["check", str(tmp_path / "rules")]) == 0
    assert capsys.readouterr().out == "OK: 2 rules in 1 files\n"


def test_check_prints_file_line_problem(tmp_path, capsys):
    setup(tmp_path)
    (tmp_path / "rules" / "cpu.yaml").write_text(RULES.replace("op: \">\"", "op: \"=>\""))
    assert main(["check", str(tmp_path / "rules" / "cpu.yaml")]) == 1
    assert capsys.readouterr().out == f"{tmp_path}/rules/cpu.yaml:7: rules[0].op: unknown operator '=>'; expected one of: > >= < <= == !=\n"


def test_rules_test_passes(tmp_path, capsys):
    assert main(["test", setup(tmp_path)]) == 0
    assert capsys.readouterr().out == f"OK {tmp_path}/cpu_test.yaml\n"


def test_rules_test_reports_wrong_expectation(tmp_path, capsys):
    path = setup(tmp_path, TESTS.replace("{eval_time: 10m, alertname: HostCpuHigh, exp_alerts: []}",
                                         "{eval_time: 10m, alertname: HostCpuHigh, exp_alerts: [{exp_labels: {host: pc1}}]}"))
    assert main(["test", path]) == 1
    assert capsys.readouterr().out == (
        f"FAILED {path}: cpu above 90 % fires after 5 minutes pending: eval_time 600s, alertname HostCpuHigh: "
        "expected firing ['{host=pc1}'], got []\n")


def test_rules_test_reports_wrong_annotation(tmp_path, capsys):
    path = setup(tmp_path, TESTS.replace("is down: connection refused", "is down"))
    assert main(["test", path]) == 1
    out = capsys.readouterr().out
    assert "tcp down fires after 1 minute: eval_time 180s, alertname TcpServiceDown: alert {agent=a1, check=tcp_connect, " \
           "host=pc1, severity=P2, target=erp:443}: annotation summary: expected 'erp:443 is down', got 'erp:443 is down: connection refused'" in out
