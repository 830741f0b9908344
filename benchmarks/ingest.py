"""End-to-end ingest: simulated agents push 1,000-sample batches over loopback gRPC (TLS) into a real
collector process with the embedded store and durable acks. Prints samples/s and ack latency p50/p99.

    .venv/bin/python benchmarks/ingest.py                       # 1, 10, 100, 1000 agents
    .venv/bin/python benchmarks/ingest.py --agents 100 --shape 250x4 --seconds 20
    .venv/bin/python benchmarks/ingest.py --agents 100 --preload-samples 50000000

The load generator encodes each batch's bytes by hand (constant series keys and index column, fresh
sequence, timestamps and values per batch) so that, on a 2-core machine, it takes as little CPU as
possible away from the collector it measures.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import grpc

from bench_collector import start_collector, cpu_seconds
from itops.common.clock import utc_now
from itops.collector.ingest.tls import write_ca_and_server_certificate

PUSH_METHOD = "/itops.v1.Ingest/Push"
CHANNELS_MAX = 32


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class BatchEncoder:
    """Batch bytes for one agent: ``series_count`` series with ``points`` samples each."""

    def __init__(self, agent: int, series_count: int, points: int):
        # Each agent polls its own 50 devices: a device reported by two agents is refused (proto/README.md).
        keys = [f'itops_bench_value{{device="d{agent}-{i % 50}",host="bench-{agent}",index="{i}"}}' for i in range(series_count)]
        self.series_bytes = b"".join(_field(1, key.encode()) for key in keys)
        self.index_bytes = _field(2, b"".join(_varint(i) for _ in range(points) for i in range(series_count)))
        self.series_count, self.points = series_count, points

    def encode(self, sequence: int, first_ts_ms: int) -> bytes:
        timestamps = b"".join(_varint(first_ts_ms + p * 15_000) * self.series_count for p in range(self.points))
        values = array.array("d", (random.random() for _ in range(self.series_count * self.points))).tobytes()
        block = self.series_bytes + self.index_bytes + _field(3, timestamps) + _field(4, values)
        return b"\x08" + _varint(sequence) + _field(3, block)


async def agent_loop(stub, token: str, encoder: BatchEncoder, deadline: float, latencies: list[float], counts: list[int]):
    sequence = time.time_ns() // 1000
    metadata = (("authorization", f"Bearer {token}"),)
    while time.monotonic() < deadline:
        sequence += 1
        payload = encoder.encode(sequence, int(time.time() * 1000) - 60_000)
        started = time.perf_counter()
        try:
            await stub(payload, metadata=metadata, timeout=30)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                raise
            await asyncio.sleep(0.05)
            continue
        latencies.append(time.perf_counter() - started)
        counts[0] += encoder.series_count * encoder.points


async def _load(address: str, ca: bytes, tokens: list[str], shape: tuple[int, int], seconds: float) -> dict:
    credentials = grpc.ssl_channel_credentials(ca)
    channels = [grpc.aio.secure_channel(address, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
                for _ in range(min(CHANNELS_MAX, len(tokens)))]
    stubs = [channel.unary_unary(PUSH_METHOD) for channel in channels]
    encoders = [BatchEncoder(agent, *shape) for agent in range(len(tokens))]
    latencies: list[float] = []
    counts = [0]
    warmup_deadline = time.monotonic() + 2
    await asyncio.gather(*(agent_loop(stubs[i % len(stubs)], tokens[i], encoders[i], warmup_deadline, [], [0])
                           for i in range(len(tokens))))
    started = time.monotonic()
    await asyncio.gather(*(agent_loop(stubs[i % len(stubs)], tokens[i], encoders[i], started + seconds, latencies, counts)
                           for i in range(len(tokens))))
    elapsed = time.monotonic() - started
    for channel in channels:
        await channel.close()
    latencies.sort()
    return {
        "samples_per_s": counts[0] / elapsed,
        "batches": len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run_one(agents: int, shape: tuple[int, int], seconds: float, workdir: Path, preload: int) -> dict:
    tls = write_ca_and_server_certificate(str(workdir / "tls"), ["localhost", "127.0.0.1"], utc_now())
    if preload:
        _preload(workdir / "tsdb", preload)
    tokens = {f"bench-{i}": f"bench-token-{i}" for i in range(agents)}
    process, grpc_address, http_address = start_collector(workdir, tokens, tls)
    try:
        cpu_before = cpu_seconds(process.pid)
        result = asyncio.run(_load(grpc_address, tls["ca"].read_bytes(), list(tokens.values()), shape, seconds + 2))
        result["collector_cpu_cores"] = (cpu_seconds(process.pid) - cpu_before) / (seconds + 4)
        with urllib.request.urlopen(f"http://{http_address}/api/v1/health") as response:
            json.load(response)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    return result


def _preload(path: Path, samples: int) -> None:
    """Fill the store directly (not over gRPC) so the run measures ingest into a large store."""
    subprocess.run([sys.executable, str(Path(__file__).with_name("store_ingest.py")), "--writers", "", "--paced-rates", "",
                    "--data-dir", str(path), "--preload-samples", str(samples)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="*", default=[1, 10, 100, 1000])
    parser.add_argument("--shape", default="1000x1", help="SERIESxPOINTS per batch (1000 samples): 1000x1, 250x4, 100x10")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--preload-samples", type=int, default=0)
    args = parser.parse_args()
    shape = tuple(int(part) for part in args.shape.split("x"))
    print(f"ingest benchmark: batches of {shape[0]} series x {shape[1]} points, TLS, durable acks, {args.seconds:g}s per run"
          + (f", store preloaded with {args.preload_samples:,} samples" if args.preload_samples else ""))
    print(f"{'agents':>7} {'samples/s':>12} {'batches':>8} {'ack p50 ms':>11} {'ack p99 ms':>11} {'collector cores':>16}")
    for agents in args.agents:
        with tempfile.TemporaryDirectory(prefix="itops-bench-") as directory:
            r = run_one(agents, shape, args.seconds, Path(directory), args.preload_samples)
        print(f"{agents:>7} {r['samples_per_s']:>12,.0f} {r['batches']:>8} {r['p50_ms']:>11.1f} {r['p99_ms']:>11.1f} "
              f"{r['collector_cpu_cores']:>16.2f}", flush=True)


if __name__ == "__main__":
    main()
