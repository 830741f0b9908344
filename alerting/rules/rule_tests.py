"""``itops rules check FILE…`` and ``itops rules test FILE…``: validate rule files, and run rule unit tests
(promtool-like) against the real evaluator with a simulated clock."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.rules.model import Alert, AlertState, CheckObservation, ObservedBatch, SampleObservation
from itops.alerting.rules.loader import Rule, RuleLoadError, load_rules, rule_file_paths
from itops.common.yaml_config import ConfigError, Duration, load_file

__all__ = ["RuleTestFile", "main", "parse_series", "parse_values", "run_test_file"]

_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_SERIES_RE = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$")
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_VALUE_RE = re.compile(r"^(_|[-+]?[0-9.]+(?:e[-+]?\d+)?)(?:([-+][0-9.]+(?:e[-+]?\d+)?)?x(\d+))?$")


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class InputSeries(msgspec.Struct, forbid_unknown_fields=True):
    series: Annotated[str, _doc('A series: name{label="value",…}.')]
    values: Annotated[str, _doc('Values at 0, 1×interval, …: "a+bxn", "axn", "_" (no sample).')]


class InputCheck(msgspec.Struct, forbid_unknown_fields=True):
    check: Annotated[str, _doc("Check name.")]
    target: Annotated[str, _doc("Check target.")]
    at: Annotated[Duration, _doc("When the result arrives.")]
    status: Annotated[Literal["OK", "WARNING", "CRITICAL", "UNKNOWN"], _doc("Check status.")]
    message: Annotated[str, _doc("Check message.")] = ""
    labels: Annotated[dict[str, str], _doc("Labels: agent, host, …")] = {}


class ExpectedAlert(msgspec.Struct, forbid_unknown_fields=True):
    exp_labels: Annotated[dict[str, str], _doc("All labels except alertname (rule labels may be left out).")] = {}
    exp_annotations: Annotated[dict[str, str], _doc("Only the keys given are compared.")] = {}


class AlertTest(msgspec.Struct, forbid_unknown_fields=True):
    eval_time: Annotated[Duration, _doc("When to look.")]
    alertname: Annotated[str, _doc("Which rule's alerts to compare.")]
    exp_alerts: Annotated[list[ExpectedAlert], _doc("The firing alerts expected; [] = none.")] = []


class RuleTestCase(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, _doc("What the test shows.")]
    input_series: Annotated[list[InputSeries], _doc("Samples.")] = []
    input_checks: Annotated[list[InputCheck], _doc("Check results.")] = []
    alert_rule_test: Annotated[list[AlertTest], _doc("Expectations.")] = []


class RuleTestFile(msgspec.Struct, forbid_unknown_fields=True):
    rule_files: Annotated[list[str], _doc("Rule files, relative to this file.")]
    tests: Annotated[list[RuleTestCase], _doc("The tests.")]
    evaluation_interval: Annotated[Duration, _doc("Time between samples and evaluations.")] = Duration(60)


def parse_series(text: str) -> tuple[str, dict[str, str]]:
    match = _SERIES_RE.match(text)
    if not match:
        raise ValueError(f"cannot read series {text!r}")
    body = match.group(2) or ""
    labels = {name: value.replace('\\"', '"').replace("\\\\", "\\") for name, value in _LABEL_RE.findall(body)}
    if _LABEL_RE.sub("", body).strip():
        raise ValueError(f"cannot read the labels of {text!r}")
    return match.group(1), labels


def parse_values(text: str) -> list[float | None]:
    """promtool notation: ``1+2x3`` → 1 3 5 7; ``5x2`` → 5 5 5; ``_x2`` → two missing samples."""
    values: list[float | None] = []
    for token in text.split():
        match = _VALUE_RE.match(token)
        if not match:
            raise ValueError(f"cannot read value {token!r} in {text!r}")
        start, step, times = match.group(1), match.group(2), match.group(3)
        if start == "_":
            values.extend([None] * (int(times) if times else 1))
        elif times is None:
            values.append(float(start))
        else:
            values.extend(float(start) + float(step or 0) * i for i in range(int(times) + 1))
    return values


@dataclass
class _Clock:
    now: datetime = _EPOCH

    def __call__(self) -> datetime:
        return self.now


def run_test_file(path: str | Path) -> list[str]:
    """The failures of one test file, each a readable line (empty: all passed)."""
    path = Path(path)
    spec = load_file(path, RuleTestFile)
    rules = load_rules([path.parent / name for name in spec.rule_files])
    failures = []
    for case in spec.tests:
        failures.extend(f"{path}: {case.name}: {problem}" for problem in _run_case(case, rules, spec.evaluation_interval))
    return failures


def _run_case(case: RuleTestCase, rules: list[Rule], interval_s: float) -> list[str]:
    series = [(*parse_series(item.series), parse_values(item.values)) for item in case.input_series]
    checks = sorted(case.input_checks, key=lambda check: check.at)
    expectations = sorted(case.alert_rule_test, key=lambda test: test.eval_time)
    end_s = max([test.eval_time for test in expectations] + [check.at for check in checks], default=0.0)
    steps = sorted({round(i * interval_s, 6) for i in range(int(end_s // interval_s) + 1)} | {t.eval_time for t in expectations})
    clock = _Clock()
    evaluator = Evaluator(rules, None, clock)
    problems = []
    for index, t_s in enumerate(steps):
        clock.now = _EPOCH + timedelta(seconds=t_s)
        step = round(t_s / interval_s)
        samples = [] if step * interval_s != t_s else [
            SampleObservation(name, labels, (int(clock.now.timestamp() * 1000),), (values[step],))
            for name, labels, values in series if step < len(values) and values[step] is not None]
        previous_s = steps[index - 1] if index else -1.0
        arrived = [_check_observation(check) for check in checks if previous_s < check.at <= t_s]
        evaluator.observe(ObservedBatch("rules-test", int(clock.now.timestamp() * 1000), tuple(samples), tuple(arrived)))
        evaluator.tick(clock.now)
        for test in expectations:
            if test.eval_time == t_s:
                problems.extend(_compare(test, evaluator.alerts(), {r.name: r for r in rules}))
    return problems


def _check_observation(check: InputCheck) -> CheckObservation:
    at_ms = int((_EPOCH + timedelta(seconds=check.at)).timestamp() * 1000)
    return CheckObservation(check.check, check.target, check.status, check.message, at_ms, dict(check.labels))


def _compare(test: AlertTest, alerts: list[Alert], rules: dict[str, Rule]) -> list[str]:
    rule_labels = rules[test.alertname].labels if test.alertname in rules else {}
    firing = [a for a in alerts if a.state is AlertState.FIRING and a.labels.get("alertname") == test.alertname]
    mentioned = {name for expected in test.exp_alerts for name in expected.exp_labels}
    ignored = {"alertname"} | (set(rule_labels) - mentioned)
    got = {_label_text({k: v for k, v in a.labels.items() if k not in ignored}): a for a in firing}
    expected = {_label_text(e.exp_labels): e for e in test.exp_alerts}
    where = f"eval_time {Duration(test.eval_time):g}s, alertname {test.alertname}"
    if sorted(got) != sorted(expected):
        return [f"{where}: expected firing {sorted(expected) or '[]'}, got {sorted(got) or '[]'}"]
    problems = []
    for key, exp in expected.items():
        for name, text in exp.exp_annotations.items():
            actual = got[key].annotations.get(name)
            if actual != text:
                problems.append(f"{where}: alert {key}: annotation {name}: expected {text!r}, got {actual!r}")
    return problems


def _label_text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={labels[k]}" for k in sorted(labels)) + "}"


def rules_check(files: list[str]) -> int:
    try:
        rules = load_rules(files)
    except RuleLoadError as error:
        for problem in error.errors:
            print(problem)
        return 1
    print(f"OK: {len(rules)} rules in {len(rule_file_paths(files))} files")
    return 0


def rules_test(files: list[str]) -> int:
    failed = 0
    for file in files:
        try:
            failures = run_test_file(file)
        except (ConfigError, RuleLoadError, ValueError) as error:
            failures = [str(error)]
        for failure in failures:
            print(f"FAILED {failure}")
        failed += bool(failures)
        if not failures:
            print(f"OK {file}")
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itops rules", description="Check and test alert rule files.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="validate rule files or directories").add_argument("files", nargs="+")
    commands.add_parser("test", help="run rule unit-test files").add_argument("files", nargs="+")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return (rules_check if args.command == "check" else rules_test)(args.files)


if __name__ == "__main__":
    sys.exit(main())
