"""Rule evaluation's own metrics, on the registry the collector exports (a private one for callers that export
nothing). A round is one call of the evaluator: a stored batch evaluated on arrival, or the periodic tick."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["EvaluationMetrics", "EvaluationRound", "Trigger"]

_DURATION_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class Trigger(StrEnum):
    BATCH = "batch"  # the rules of the metrics and checks a stored batch carries, for its series
    TICK = "tick"  # the time-based conditions: for, keep_firing_for, absent, offline entities, flapping


@dataclass(slots=True)
class EvaluationRound:
    evaluations: int = 0  # one rule's condition applied to one series, check result or entity


class EvaluationMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        registry = registry if registry is not None else CollectorRegistry()
        self.duration = Histogram(
            "itops_rule_evaluation_duration_seconds", "Time of one evaluation round: a stored batch evaluated on "
            "arrival (trigger=batch) or the periodic pass over time-based conditions (trigger=tick).",
            ["trigger"], buckets=_DURATION_BUCKETS_S, registry=registry)
        self.evaluations = Counter(
            "itops_rule_evaluations", "Rule conditions evaluated: one rule applied to one series, check result or "
            "entity, by trigger (batch, tick).", ["trigger"], registry=registry)
        self.failures = Counter(
            "itops_rule_evaluation_failures", "Evaluation rounds that failed and were skipped (logged), by trigger.",
            ["trigger"], registry=registry)
        for trigger in Trigger:  # every series exists from the start, at 0
            self.duration.labels(trigger)
            self.evaluations.labels(trigger)
            self.failures.labels(trigger)

    @contextmanager
    def measure(self, trigger: Trigger) -> Iterator[EvaluationRound]:
        """One round: its time, its evaluations, and whether it failed."""
        evaluation_round = EvaluationRound()
        started = time.perf_counter()
        try:
            yield evaluation_round
        except Exception:
            self.failures.labels(trigger).inc()
            raise
        finally:
            self.duration.labels(trigger).observe(time.perf_counter() - started)
            self.evaluations.labels(trigger).inc(evaluation_round.evaluations)
