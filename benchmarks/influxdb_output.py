"""The influxdb output's cost and speed: durable ingest with the output on against the same run with it off, and how
fast the outbox drains into a real VictoriaMetrics on 127.0.0.1, side by side in one run (alternating, so the
machine's other load falls on both alike).

    .venv/bin/python benchmarks/influxdb_output.py
    .venv/bin/python benchmarks/influxdb_output.py --agents 100 --seconds 15 --rounds 3

Each round runs ``benchmarks/ingest.py``'s load (simulated agents pushing 1,000-sample batches over TLS to a real
collector process with durable acks) once without and once with an ``outputs:`` entry writing to VictoriaMetrics.
With the output on it prints the samples the output wrote per second while the load ran, and, once the load stops,
how fast the writer empties what is left in the outbox (no ingest competing). VictoriaMetrics' own count of rows
it inserted is printed beside the output's count of samples written, as a cross-check.
Targets: ingest with the output ≥ 85 % of ingest without; the outbox drains at ≥ 300,000 samples/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a script: the test servers live in tests/

from bench_collector import cpu_seconds, start_collector
from ingest import _load

from itops.collector.ingest.tls import write_ca_and_server_certificate
from itops.common.clock import utc_now
from tests.integration.time_series_servers import VictoriaMetrics

DRAIN_TIMEOUT_S = 300
TAIL_SAMPLES = 50_000


def output_config(victoria_metrics: VictoriaMetrics, outbox: Path) -> str:
    # The load's series differ by device and index, labels the registry does not list for measurement itops_bench.
    return (f"outputs:\n  - type: influxdb\n    name: vm\n    url: {victoria_metrics.url}\n    outbox: {outbox}\n"
            f"    extra_tags: [device, index]\n")


def metrics(http_address: str) -> dict[str, float]:
    with urllib.request.urlopen(f"http://{http_address}/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("itops_output_") and 'output="vm"' in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def written(values: dict[str, float]) -> float:
    return values.get('itops_output_written_samples_total{output="vm"}', 0.0)


def queued(values: dict[str, float]) -> float:
    return values.get('itops_output_queued_samples{output="vm"}', 0.0)


def victoria_metrics_rows(victoria_metrics: VictoriaMetrics) -> float:
    _, body = victoria_metrics.request("/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.decode().splitlines()
               if line.startswith("vm_rows_inserted_total{type=\"influx\"}"))


def children(pid: int) -> list[int]:
    """The processes ``pid`` started: the outputs' writer processes."""
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


def idle_priority(pid: int) -> None:
    """Every thread of ``pid`` (Linux sets priorities per thread; threads made later inherit) at SCHED_IDLE: it runs
    only on CPU time nothing else wants, as if on a machine of its own."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setscheduler(int(task.name), os.SCHED_IDLE, os.sched_param(0))


def run_one(agents: int, seconds: float, workdir: Path, victoria_metrics: VictoriaMetrics | None) -> dict:
    tls = write_ca_and_server_certificate(str(workdir / "tls"), ["localhost", "127.0.0.1"], utc_now())
    tokens = {f"bench-{i}": f"bench-token-{i}" for i in range(agents)}
    extra = output_config(victoria_metrics, workdir / "outbox") if victoria_metrics else ""
    process, grpc_address, http_address = start_collector(workdir, tokens, tls, extra_config=extra)
    try:
        cpu_before = cpu_seconds(process.pid)
        rows_before = victoria_metrics_rows(victoria_metrics) if victoria_metrics else 0.0
        vm_cpu_before = cpu_seconds(victoria_metrics.process.pid) if victoria_metrics else 0.0
        writers = children(process.pid)
        writers_cpu_before = sum(map(cpu_seconds, writers))
        result = asyncio.run(_load(grpc_address, tls["ca"].read_bytes(), list(tokens.values()), (1000, 1), seconds + 2))
        result["collector_cpu_cores"] = (cpu_seconds(process.pid) - cpu_before) / (seconds + 4)
        if victoria_metrics:
            result["vm_cpu_cores"] = (cpu_seconds(victoria_metrics.process.pid) - vm_cpu_before) / (seconds + 4)
            result["writer_cpu_cores"] = (sum(map(cpu_seconds, writers)) - writers_cpu_before) / (seconds + 4)
        if victoria_metrics:
            result.update(_drain(http_address, seconds + 4))
            result["vm_rows"] = victoria_metrics_rows(victoria_metrics) - rows_before
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    return result


def _drain(http_address: str, load_s: float) -> dict:
    """Written during the load, then the rate at which the writer empties the outbox with the load stopped: from
    the load's end until less than TAIL_SAMPLES are left (the last, partial request waits for batch_interval)."""
    at_load_end = metrics(http_address)
    started = time.monotonic()
    deadline = started + DRAIN_TIMEOUT_S
    values = drained_at = at_load_end
    elapsed = 0.0
    while queued(values) and time.monotonic() < deadline:
        time.sleep(0.1)
        values = metrics(http_address)
        if queued(values) >= TAIL_SAMPLES:
            drained_at, elapsed = values, time.monotonic() - started
    backlog = written(drained_at) - written(at_load_end)
    return {"written_during_load_per_s": written(at_load_end) / load_s, "backlog": backlog,
            "drain_per_s": backlog / elapsed if backlog else float("nan"), "written": written(values),
            "left_queued": queued(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nice-server", action="store_true",
                        help="run VictoriaMetrics at SCHED_IDLE, as if it were on a machine of its own")
    args = parser.parse_args()
    print(f"influxdb output benchmark: {args.agents} agents, batches of 1000 series x 1 point, TLS, durable acks, "
          f"{args.seconds:g}s per run, VictoriaMetrics on 127.0.0.1")
    print(f"{'output':>7} {'samples/s':>11} {'ack p50 ms':>11} {'ack p99 ms':>11} {'cores':>6} "
          f"{'writer cores':>12} {'VM cores':>8} {'written/s (load)':>17} {'drain/s (after)':>16} {'backlog':>10} {'written':>11} "
          f"{'VM rows':>11}")
    rates: dict[bool, list[float]] = {False: [], True: []}
    drains = []
    with tempfile.TemporaryDirectory(prefix="itops-bench-output-") as directory:
        victoria_metrics = VictoriaMetrics(Path(directory) / "victoria-metrics").start()
        if args.nice_server:
            idle_priority(victoria_metrics.process.pid)
        try:
            for round_number in range(args.rounds):
                for with_output in (False, True):
                    with tempfile.TemporaryDirectory(prefix="itops-bench-", dir=directory) as workdir:
                        r = run_one(args.agents, args.seconds, Path(workdir), victoria_metrics if with_output else None)
                    rates[with_output].append(r["samples_per_s"])
                    line = (f"{'on' if with_output else 'off':>7} {r['samples_per_s']:>11,.0f} {r['p50_ms']:>11.1f} "
                            f"{r['p99_ms']:>11.1f} {r['collector_cpu_cores']:>6.2f}")
                    if with_output:
                        drains.append(r["drain_per_s"])
                        line += (f" {r['writer_cpu_cores']:>12.2f} {r['vm_cpu_cores']:>8.2f} {r['written_during_load_per_s']:>17,.0f} {r['drain_per_s']:>16,.0f} "
                                 f"{r['backlog']:>10,.0f} {r['written']:>11,.0f} {r['vm_rows']:>11,.0f}")
                        if r["left_queued"]:
                            line += f"  ({r['left_queued']:,.0f} still queued after {DRAIN_TIMEOUT_S}s)"
                    print(line, flush=True)
        finally:
            victoria_metrics.stop()
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"median durable ingest: off {off:,.0f}, on {on:,.0f} samples/s = {on / off:.1%} (target ≥ 85 %); "
          f"median outbox drain {statistics.median(drains):,.0f} samples/s (target ≥ 300,000)")


if __name__ == "__main__":
    main()
