"""Rule evaluation's metrics, read back from the registry they were registered on."""

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from itops.alerting.rules.evaluation_metrics import EvaluationMetrics
from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.rules.loader import load_rules
from itops.alerting.rules.model import ObservedBatch, SampleObservation

T0 = datetime(2024, 5, 1, tzinfo=UTC)
RULES = """rules:
  - {name: Hot, metric: m, function: last, op: '>', threshold: 0.9, severity: P3}
  - {name: Cold, metric: m, function: last, op: '<', threshold: 0.1, severity: P3}
  - {name: Silent, offline: {entity: host, after: 1m}, severity: P2}
"""


@pytest.fixture
def registry():
    return CollectorRegistry()


@pytest.fixture
def evaluator(tmp_path, registry):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return Evaluator(load_rules([path]), None, lambda: T0, metrics=EvaluationMetrics(registry))


def value(registry, name, trigger):
    return registry.get_sample_value(name, {"trigger": trigger})


def batch(*hosts: str, values: tuple[float, ...] = (0.95,)) -> ObservedBatch:
    ms = int(T0.timestamp() * 1000)
    return ObservedBatch("a1", ms, samples=tuple(
        SampleObservation("m", {"agent": "a1", "host": host}, (ms,), values) for host in hosts))


def test_every_series_starts_at_zero(registry, evaluator):
    for trigger in ("batch", "tick"):
        assert value(registry, "itops_rule_evaluations_total", trigger) == 0
        assert value(registry, "itops_rule_evaluation_failures_total", trigger) == 0
        assert value(registry, "itops_rule_evaluation_duration_seconds_count", trigger) == 0


def test_a_batch_is_one_round_counting_each_rule_applied_to_each_series_and_entity(registry, evaluator):
    evaluator.observe(batch("pc1", "pc2"))
    # two metric rules × two series, and the offline rule for each of the two hosts the batch says report
    assert value(registry, "itops_rule_evaluations_total", "batch") == 6
    assert value(registry, "itops_rule_evaluation_duration_seconds_count", "batch") == 1
    assert value(registry, "itops_rule_evaluation_duration_seconds_sum", "batch") > 0
    assert value(registry, "itops_rule_evaluation_duration_seconds_count", "tick") == 0
    evaluator.observe(batch("pc1"))
    assert value(registry, "itops_rule_evaluations_total", "batch") == 9
    assert value(registry, "itops_rule_evaluation_duration_seconds_count", "batch") == 2


def test_a_tick_is_a_round_of_its_own(registry, evaluator):
    evaluator.observe(batch("pc1"))
    evaluator.tick(T0 + timedelta(seconds=30))
    # the offline rule for pc1 (silent, not yet for long), and the firing Hot alert looked at again
    assert value(registry, "itops_rule_evaluations_total", "tick") == 2
    assert value(registry, "itops_rule_evaluation_duration_seconds_count", "tick") == 1
    assert value(registry, "itops_rule_evaluation_failures_total", "tick") == 0


def test_a_round_that_fails_is_counted_and_still_timed(registry, evaluator):
    with pytest.raises(ValueError):
        evaluator.observe(batch("pc1", values=()))  # a timestamp without its value
    assert value(registry, "itops_rule_evaluation_failures_total", "batch") == 1
    assert value(registry, "itops_rule_evaluation_duration_seconds_count", "batch") == 1
    assert value(registry, "itops_rule_evaluation_failures_total", "tick") == 0


def test_without_a_registry_the_metrics_are_private(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    first, second = (Evaluator(load_rules([path]), None, lambda: T0) for _ in range(2))  # no clash of names
    first.observe(batch("pc1"))
    second.observe(batch("pc1"))
