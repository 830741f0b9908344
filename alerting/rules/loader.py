"""Rule files: three kinds of rule (metric threshold, check status, entity offline), loaded from YAML,
validated with ``file:line: field: problem`` errors, and reloaded when a file changes.

A ``RuleSet`` keeps serving the last good rules when an edited file is wrong: a typo made during an
incident must not switch alerting off.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable, Literal

import msgspec

from itops.alerting.rules.model import Severity
from itops.alerting.rules.sample_windows import COVERED_FUNCTIONS, DEFAULT_MIN_COVERAGE
from itops.alerting.rules.templates import (
    Template,
    TemplateError,
    ValueWriter,
    compile_template,
)
from itops.common.metric_catalogue import format_value, metric_entry
from itops.common.units import LANGUAGES, Language, Unit, format_in_unit
from itops.common.yaml_config import ConfigError, Duration, FieldProblem, load_file

__all__ = [
    "CheckRule", "FUNCTIONS", "MetricRule", "OPERATORS", "OfflineRule", "Rule", "RuleFileConfig", "RuleLoadError",
    "RuleSet", "annotation_language", "load_rules", "rule_file_paths",
]

FUNCTIONS = ("last", "avg", "min", "max", "rate", "count", "seconds_until_full", "absent")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
CHECK_STATUSES = ("WARNING", "CRITICAL", "UNKNOWN")
_SEVERITIES = tuple(severity.value for severity in Severity)


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class OfflineSpec(msgspec.Struct, forbid_unknown_fields=True):
    entity: Annotated[Literal["host", "device"], _doc("The label that identifies the entity: host or device.")]
    after: Annotated[Duration, _doc("No sample from the entity for this long → firing.")]


class RuleSpec(msgspec.Struct, forbid_unknown_fields=True, rename={"for_": "for"}):
    name: Annotated[str, _doc("Unique across all rule files; becomes the label alertname.")]
    metric: Annotated[str | None, _doc("Metric-threshold rule: the metric name.")] = None
    check: Annotated[str | None, _doc("Check rule: the check name (tcp_connect, http, …).")] = None
    offline: Annotated[OfflineSpec | None, _doc("No-data rule: one alert per host/device.")] = None
    match: Annotated[dict[str, str], _doc("Label equality matchers.")] = {}
    match_re: Annotated[dict[str, str], _doc("Label full-match regular expressions.")] = {}
    function: Annotated[str, _doc(f"One of {', '.join(FUNCTIONS)}.")] = "last"
    window: Annotated[Duration | None, _doc("The function's window; absent: no sample for this long.")] = None
    min_coverage: Annotated[float | None, _doc(
        f"Share of the window (0–1) the samples must cover before the function answers (default "
        f"{DEFAULT_MIN_COVERAGE:g}); not for last and absent.")] = None
    op: Annotated[str | None, _doc(f"One of {' '.join(OPERATORS)}.")] = None
    threshold: Annotated[float | None, _doc("The value compared with op.")] = None
    recovery_threshold: Annotated[float | None, _doc("Once firing, resolves only when value op this no longer holds.")] = None
    for_: Annotated[Duration, _doc("How long the condition must hold before firing.")] = Duration(0)
    keep_firing_for: Annotated[Duration, _doc("Keep firing this long after the condition stops.")] = Duration(0)
    severity: Annotated[str | None, _doc("P1 | P2 | P3 | P4 (check rules: see statuses).")] = None
    statuses: Annotated[dict[str, str], _doc("Check rules: status → severity; OK resolves.")] = {}
    labels: Annotated[dict[str, str], _doc("Labels added to the alert.")] = {}
    annotations: Annotated[dict[str, str], _doc("Templates: summary, summary_zh, description, runbook, …")] = {}


class RuleFileConfig(msgspec.Struct, forbid_unknown_fields=True):
    rules: Annotated[list[RuleSpec], _doc("The rules of this file.")] = []


@dataclass(frozen=True)
class _RuleBase:
    name: str
    labels: dict[str, str]
    annotations: dict[str, Template]
    for_s: float
    source: str  # "file:line", for messages
    value_writer: ValueWriter | None  # how the value is written in its unit; None: a number alone

    def render_annotations(self, value: float | None, labels: dict[str, str], message: str = "",
                           messages: dict[str, str] | None = None) -> dict[str, str]:
        """``{{ message }}`` is the check message in the annotation's language (``summary_zh``: zh-CN, else en)
        when the collector rendered it, else the agent's text."""
        in_language = messages or {}
        rendered = {}
        for key, template in self.annotations.items():
            language = annotation_language(key)
            rendered[key] = template.render(value, labels, in_language.get(language) or message, language)
        return rendered

    def value_texts(self, value: float | None, labels: dict[str, str]) -> dict[str, str]:
        """The value in its unit in every language, for the Value field of notifications."""
        if value is None or self.value_writer is None:
            return {}
        return {language: self.value_writer(value, language, labels) for language in LANGUAGES}


def annotation_language(key: str) -> Language:
    """``summary_zh``, ``description_zh``: zh-CN; every other annotation: en."""
    return "zh-CN" if key.endswith("_zh") else "en"


@dataclass(frozen=True)
class MetricRule(_RuleBase):
    metric: str
    match: dict[str, str]
    match_re: dict[str, re.Pattern[str]]
    function: str
    window_s: float
    min_coverage: float
    op: str
    threshold: float
    recovery_threshold: float | None
    keep_firing_for_s: float
    severity: Severity

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match.items()) and all(
            pattern.fullmatch(labels.get(k, "")) for k, pattern in self.match_re.items())

    def holds(self, value: float, firing: bool) -> bool:
        """The condition; once firing, the recovery threshold (if any) decides when it stops holding."""
        limit = self.recovery_threshold if firing and self.recovery_threshold is not None else self.threshold
        return OPERATORS[self.op](value, limit)


@dataclass(frozen=True)
class CheckRule(_RuleBase):
    check: str
    statuses: dict[str, Severity]


@dataclass(frozen=True)
class OfflineRule(_RuleBase):
    entity: str
    after_s: float
    severity: Severity


Rule = MetricRule | CheckRule | OfflineRule


class RuleLoadError(ValueError):
    def __init__(self, errors: list[ConfigError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def rule_file_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given; directories expand to their ``*.yaml``/``*.yml`` files, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")) if path.is_dir() else [path])
    return files


def load_rules(paths: list[str | Path]) -> list[Rule]:
    """Every rule of every file; RuleLoadError lists one problem per wrong file."""
    rules: list[Rule] = []
    errors: list[ConfigError] = []
    first_file_of: dict[str, str] = {}
    for path in rule_file_paths(paths):
        built: list[Rule] = []

        def build(config: RuleFileConfig, built: list[Rule] = built, file: str = str(path)) -> None:
            built.extend(_build_rules(config, file, first_file_of))
        try:
            load_file(path, RuleFileConfig, check=build)
        except ConfigError as error:
            errors.append(error)
            continue
        first_file_of.update((rule.name, str(path)) for rule in built)
        rules.extend(built)
    if errors:
        raise RuleLoadError(errors)
    return rules


def _build_rules(config: RuleFileConfig, file: str, first_file_of: dict[str, str]) -> list[Rule]:
    seen: set[str] = set()
    rules = []
    for index, spec in enumerate(config.rules):
        where = f"rules[{index}]"
        if spec.name in seen or spec.name in first_file_of:
            other = "this file" if spec.name in seen else first_file_of[spec.name]
            raise FieldProblem(f"{where}.name", f"rule name {spec.name!r} is already used in {other}")
        seen.add(spec.name)
        rules.append(_build_rule(spec, where, file))
    return rules


def _build_rule(spec: RuleSpec, where: str, file: str) -> Rule:
    kinds = [kind for kind in ("metric", "check", "offline") if getattr(spec, kind) is not None]
    if len(kinds) != 1:
        raise FieldProblem(where, "a rule needs exactly one of metric, check or offline")
    value_writer = _value_writer(spec)
    common = dict(name=spec.name, labels=dict(spec.labels), annotations=_templates(spec.annotations, where, value_writer),
                  for_s=float(spec.for_), source=file, value_writer=value_writer)
    if spec.check is not None:
        return CheckRule(**common, check=spec.check, statuses=_statuses(spec.statuses, where))
    severity = _severity(spec.severity, f"{where}.severity")
    if spec.offline is not None:
        return OfflineRule(**common, entity=spec.offline.entity, after_s=float(spec.offline.after), severity=severity)
    _check_metric_fields(spec, where)
    return MetricRule(
        **common, metric=spec.metric, match=dict(spec.match), match_re=_patterns(spec.match_re, where),
        function=spec.function, window_s=float(spec.window or 0),
        min_coverage=DEFAULT_MIN_COVERAGE if spec.min_coverage is None else spec.min_coverage, op=spec.op or ">",
        threshold=spec.threshold if spec.threshold is not None else 0.0, recovery_threshold=spec.recovery_threshold,
        keep_firing_for_s=float(spec.keep_firing_for), severity=severity)


def _check_metric_fields(spec: RuleSpec, where: str) -> None:
    if spec.function not in FUNCTIONS:
        raise FieldProblem(f"{where}.function", f"unknown function {spec.function!r}; expected one of: {', '.join(FUNCTIONS)}")
    if spec.function != "last" and not spec.window:
        raise FieldProblem(f"{where}.window", f"function {spec.function} needs a window, e.g. 5m")
    if spec.min_coverage is not None:
        _check_min_coverage(spec.function, spec.min_coverage, f"{where}.min_coverage")
    if spec.function == "absent":
        return
    if spec.op not in OPERATORS:
        raise FieldProblem(f"{where}.op", f"unknown operator {spec.op!r}; expected one of: {' '.join(OPERATORS)}")
    if spec.threshold is None:
        raise FieldProblem(f"{where}.threshold", "a metric rule needs a threshold")
    if spec.recovery_threshold is not None:
        _check_recovery(spec.op, spec.threshold, spec.recovery_threshold, f"{where}.recovery_threshold")


def _check_min_coverage(function: str, min_coverage: float, where: str) -> None:
    if function not in COVERED_FUNCTIONS:
        raise FieldProblem(where, f"has no meaning with function {function}; it applies to {', '.join(sorted(COVERED_FUNCTIONS))}")
    if not 0 <= min_coverage <= 1:
        raise FieldProblem(where, f"expected a share from 0 to 1 (e.g. 0.5 for half the window), got {min_coverage:g}")


def _check_recovery(op: str, threshold: float, recovery: float, where: str) -> None:
    """Hysteresis must widen the firing band: for ``>`` the recovery threshold lies at or below the threshold."""
    if op in ("==", "!="):
        raise FieldProblem(where, f"has no meaning with op {op}")
    if op in (">", ">=") and recovery > threshold:
        raise FieldProblem(where, f"{recovery} must not be above threshold {threshold} with op {op}")
    if op in ("<", "<=") and recovery < threshold:
        raise FieldProblem(where, f"{recovery} must not be below threshold {threshold} with op {op}")


def _severity(value: str | None, where: str) -> Severity:
    if value not in _SEVERITIES:
        raise FieldProblem(where, f"expected one of: {', '.join(_SEVERITIES)}, got {value!r}")
    return Severity(value)


def _statuses(statuses: dict[str, str], where: str) -> dict[str, Severity]:
    if not statuses:
        raise FieldProblem(f"{where}.statuses", "a check rule needs statuses, e.g. {CRITICAL: P2, WARNING: P3}")
    for status in statuses:
        if status not in CHECK_STATUSES:
            raise FieldProblem(f"{where}.statuses.{status}", f"unknown status; expected one of: {', '.join(CHECK_STATUSES)}")
    return {status: _severity(severity, f"{where}.statuses.{status}") for status, severity in statuses.items()}


def _patterns(match_re: dict[str, str], where: str) -> dict[str, re.Pattern[str]]:
    patterns = {}
    for label, text in match_re.items():
        try:
            patterns[label] = re.compile(text)
        except re.error as error:
            raise FieldProblem(f"{where}.match_re.{label}", f"not a valid regular expression: {error}") from None
    return patterns


# The unit of a function's answer when it is not the metric's own (None: the metric's unit).
_FUNCTION_UNITS: dict[str, Unit | None] = {"seconds_until_full": "seconds", "count": "count"}
_RATE_UNITS: dict[str, Unit] = {"bytes": "bytes_per_second"}


def _value_writer(spec: RuleSpec) -> ValueWriter | None:
    """How ``{{ value | unit }}`` writes this rule's value: by the function's unit, else the metric's (catalogue)."""
    if spec.metric is None or spec.function == "absent":
        return None
    if spec.function == "rate":
        unit = _RATE_UNITS.get(metric_entry(spec.metric.removesuffix("_total")).unit, "per_second")  # x_bytes_total
        return lambda value, language, labels: format_in_unit(unit, value, language)
    function_unit = _FUNCTION_UNITS.get(spec.function)
    if function_unit is not None:
        return lambda value, language, labels: format_in_unit(function_unit, value, language)
    entry = metric_entry(spec.metric)
    return lambda value, language, labels: format_value(entry, value, language, labels)


def _templates(annotations: dict[str, str], where: str, unit: ValueWriter | None) -> dict[str, Template]:
    templates = {}
    for key, text in annotations.items():
        try:
            templates[key] = compile_template(text, unit)
        except TemplateError as error:
            raise FieldProblem(f"{where}.annotations.{key}", f"bad template: {error}") from None
    return templates


@dataclass
class RuleSet:
    """The rules of some files and directories, reloaded when a file's mtime (or the file list) changes."""

    paths: list[str | Path]
    rules: list[Rule] = field(default_factory=list)
    last_error: RuleLoadError | None = None
    _mtimes: dict[Path, float] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: list[str | Path]) -> RuleSet:
        """The first load must succeed: there is no last good set to fall back on."""
        rule_set = cls(list(paths))
        rule_set._mtimes = rule_set._current_mtimes()
        rule_set.rules = load_rules(rule_set.paths)
        return rule_set

    def reload_if_changed(self) -> bool:
        """True when new rules are in force; on an error keeps the last good rules and sets ``last_error``."""
        mtimes = self._current_mtimes()
        if mtimes == self._mtimes:
            return False
        self._mtimes = mtimes
        try:
            self.rules = load_rules(self.paths)
        except RuleLoadError as error:
            self.last_error = error
            return False
        self.last_error = None
        return True

    def _current_mtimes(self) -> dict[Path, float]:
        mtimes = {}
        for path in rule_file_paths(self.paths):
            try:
                mtimes[path] = path.stat().st_mtime_ns
            except OSError:
                mtimes[path] = -1
        return mtimes
