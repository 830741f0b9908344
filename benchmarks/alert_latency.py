"""Alert latency: from a batch being acknowledged by the collector to the webhook receiver getting the
notification (rule without `for`), for ≥ 1,000 alerts, while simulated agents load the collector.

    .venv/bin/python benchmarks/alert_latency.py
    .venv/bin/python benchmarks/alert_latency.py --alerts 2000 --background-agents 20

Target: p99 ≤ 1 s. Rule evaluation cost per sample with 500 rules: benchmarks/rule_evaluation.py.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a script: the test simulators live in tests/

from bench_collector import start_collector  # noqa: E402
from ingest import BatchEncoder, agent_loop  # noqa: E402
from itops.common.clock import utc_now
from itops.collector.ingest.tls import write_ca_and_server_certificate  # noqa: E402
from itops.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
from tests.simulators.webhook_receiver import WebhookReceiver  # noqa: E402

RULE = """rules:
  - name: BenchAlert
    metric: itops_bench_alert
    function: last
    op: ">"
    threshold: 0
    severity: P2
    annotations: {summary: "alert {{ labels.n }}"}
"""


def _alerting_config(rules: Path, hook_url: str) -> str:
    return (f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n"
            f"  receivers:\n    bench:\n      - type: webhook\n        url: {hook_url}\n"
            f"  dispatch:\n    route:\n      receiver: bench\n      group_by: ['...']\n      group_wait: 0s\n"
            f"      group_interval: 1h\n      repeat_interval: 24h\n")


async def _send_alerts(stub, token: str, count: int, rate: float) -> dict[str, float]:
    acked = {}
    sequence = time.time_ns() // 1000
    for n in range(count):
        sequence += 1
        batch = ingest_pb2.Batch(sequence=sequence, samples=ingest_pb2.SampleBlock(
            series=[f'itops_bench_alert{{host="bench",n="{n}"}}'], series_index=[0],
            timestamps_ms=[int(time.time() * 1000)], values=[1.0]))
        await stub.Push(batch, metadata=(("authorization", f"Bearer {token}"),), timeout=30)
        acked[str(n)] = time.perf_counter()
        await asyncio.sleep(1 / rate)
    return acked


async def _run(grpc_address: str, ca: bytes, tokens: dict[str, str], args) -> tuple[dict[str, float], float]:
    credentials = grpc.ssl_channel_credentials(ca)
    options = [("grpc.ssl_target_name_override", "localhost")]
    async with grpc.aio.secure_channel(grpc_address, credentials, options=options) as channel:
        background = channel.unary_unary("/itops.v1.Ingest/Push")
        started = time.monotonic()
        deadline = started + args.alerts / args.rate + 5
        background_samples = [0]
        load = [asyncio.create_task(agent_loop(background, token, BatchEncoder(i, 250, 4), deadline, [], background_samples))
                for i, token in enumerate(list(tokens.values())[1:])]
        acked = await _send_alerts(ingest_pb2_grpc.IngestStub(channel), tokens["alerting"], args.alerts, args.rate)
        await asyncio.gather(*load)
    return acked, background_samples[0] / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100, help="alerts per second")
    parser.add_argument("--background-agents", type=int, default=10, help="agents pushing 1,000-sample batches meanwhile")
    args = parser.parse_args()
    receiver = WebhookReceiver()
    with tempfile.TemporaryDirectory(prefix="itops-alert-bench-") as directory:
        workdir = Path(directory)
        (workdir / "rules.yaml").write_text(RULE)
        tls = write_ca_and_server_certificate(str(workdir / "tls"), ["localhost"], utc_now())
        tokens = {"alerting": "alert-token", **{f"load-{i}": f"load-token-{i}" for i in range(args.background_agents)}}
        process, grpc_address, _http = start_collector(workdir, tokens, tls, _alerting_config(workdir / "rules.yaml", receiver.url))
        try:
            acked, background_rate = asyncio.run(_run(grpc_address, tls["ca"].read_bytes(), tokens, args))
            time.sleep(3)
        finally:
            process.terminate()
            process.wait(60)
    arrivals: dict[str, float] = {}
    for arrived, body in receiver.received:
        for alert in body["alerts"]:
            arrivals.setdefault(alert["labels"]["n"], arrived)
    latencies = sorted(arrivals[n] - t for n, t in acked.items() if n in arrivals)
    missing = len(acked) - len(latencies)
    print(f"alert latency, batch acked → webhook received: {len(latencies)} alerts at {args.rate:g}/s, "
          f"{args.background_agents} agents loading the collector meanwhile with {background_rate:,.0f} samples/s")
    print(f"p50 {statistics.median(latencies) * 1000:.1f} ms   p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms   "
          f"max {latencies[-1] * 1000:.1f} ms   not received: {missing}   (target p99 <= 1000 ms)")


if __name__ == "__main__":
    main()
