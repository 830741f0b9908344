"""Cost of rule evaluation on arrival: 500 generated rules, one batch per host for 100 hosts.

    .venv/bin/python benchmarks/rule_evaluation.py [--rounds 20]

50 metrics × 10 rules each (every function, with `for`, hysteresis and label matchers). A host's batch holds
320 series × 1 point: 40 of the ruled metrics × 4 series (label cpu) and as many of metrics without
rules. Every round sends a batch from each of the 100 hosts (simulated time, 15 s a round), then one
`tick`. Every series keeps its own level with a little noise, so a few percent sit at a threshold and go
pending, fire and resolve, with the state store in SQLite as in production. The first round (series and windows created) is reported apart.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from itops.alerting.rules.alert_store import AlertStore
from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.rules.model import ObservedBatch, SampleObservation
from itops.alerting.rules.loader import load_rules

HOSTS = 100
METRICS_WITH_RULES = 50
RULES_PER_METRIC = 10
SERIES_PER_METRIC = 4
RULED_METRICS_PER_HOST = 40
INTERVAL_S = 15
FUNCTIONS = ("last", "avg", "min", "max", "rate", "count", "avg", "max", "last", "absent")
T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def rule_text(metric: int, index: int) -> str:
    function = FUNCTIONS[index]
    body = f"  - name: Bench_{metric}_{index}\n    metric: bench_metric_{metric}\n    severity: P3\n"
    body += f"    function: {function}\n    window: {(index % 5 + 1)}m\n"
    if index % 3 == 0:
        body += "    match: {cpu: '1'}\n"
    if index % 4 == 1:
        body += "    match_re: {cpu: '[0-2]'}\n"
    if function != "absent":
        threshold = 1000 if function == "rate" else (3 if function == "count" else 90)
        body += f"    op: '>'\n    threshold: {threshold}\n    for: {index % 3}m\n"
        body += "    annotations: {summary: '{{ labels.host }} at {{ value }}'}\n"
    return body


def write_rules(folder: Path) -> int:
    for metric in range(METRICS_WITH_RULES):
        text = "rules:\n" + "".join(rule_text(metric, index) for index in range(RULES_PER_METRIC))
        (folder / f"bench_{metric}.yaml").write_text(text)
    return len(load_rules([folder]))


def host_batch(host: int, round_: int, now: datetime, rng: random.Random) -> ObservedBatch:
    """Each series keeps its own level (0–99) with ±1 of noise, so the few near a threshold flap."""
    ms = int(now.timestamp() * 1000)
    samples = []
    for metric in range(RULED_METRICS_PER_HOST):
        for series in range(SERIES_PER_METRIC):
            labels = {"agent": f"a{host}", "host": f"h{host}", "cpu": str(series)}
            level = (host * 7 + metric * 13 + series * 29) % 100 + rng.uniform(-1, 1)
            samples.append(SampleObservation(f"bench_metric_{metric}", labels, (ms,), (level,)))
            samples.append(SampleObservation(f"bench_other_{metric}", labels, (ms,), (round_ * 10.0,)))
    return ObservedBatch(f"a{host}", ms, tuple(samples))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rules").mkdir()
        rule_count = write_rules(folder / "rules")
        now = T0
        evaluator = Evaluator(load_rules([folder / "rules"]), AlertStore(folder / "alerts.db"), lambda: now)
        batch_us, tick_us, changes = [], [], 0
        first_round_us = 0.0
        samples_per_batch = 0
        for round_ in range(args.rounds):
            for host in range(HOSTS):
                now = T0 + timedelta(seconds=round_ * INTERVAL_S, milliseconds=host)
                batch = host_batch(host, round_, now, rng)
                samples_per_batch = len(batch.samples)
                started = time.perf_counter()
                changes += len(evaluator.observe(batch))
                elapsed_us = (time.perf_counter() - started) * 1e6
                if round_ == 0:
                    first_round_us += elapsed_us
                else:
                    batch_us.append(elapsed_us)
            started = time.perf_counter()
            changes += len(evaluator.tick(now))
            tick_us.append((time.perf_counter() - started) * 1e6)
    median_batch = statistics.median(batch_us)
    print(f"{rule_count} rules, {HOSTS} hosts, {samples_per_batch} samples per batch "
          f"({RULED_METRICS_PER_HOST * SERIES_PER_METRIC} of metrics with rules), {args.rounds} rounds, "
          f"{changes} alert state changes")
    print(f"observe per batch: median {median_batch:,.0f} µs, p99 {sorted(batch_us)[int(len(batch_us) * 0.99)]:,.0f} µs "
          f"(first round, creating series: {first_round_us / HOSTS:,.0f} µs)")
    print(f"observe per sample: {median_batch / samples_per_batch:.2f} µs "
          f"({median_batch / (RULED_METRICS_PER_HOST * SERIES_PER_METRIC):.2f} µs per sample of a ruled metric)")
    print(f"tick over {HOSTS} hosts: median {statistics.median(tick_us):,.0f} µs")


if __name__ == "__main__":
    main()
