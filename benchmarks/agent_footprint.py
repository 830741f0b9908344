"""The real agent with the host input at a 15 s interval against a real collector: RSS and CPU.

    .venv/bin/python benchmarks/agent_footprint.py               # 150 s run, measured after a 20 s warm-up
    .venv/bin/python benchmarks/agent_footprint.py --seconds 300

Targets: RSS <= 40 MiB, CPU <= 0.1 % of one core (node_exporter here: 20 MiB, 0.07 %).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench_collector import BIN, cpu_seconds, memory_mib, start_collector
from itops.clock import utc_now
from itops.collector.auth import new_token
from itops.collector.tls import write_ca_and_server_certificate

WARMUP_S = 20


def _agent_config(workdir: Path, token: str, grpc_address: str) -> Path:
    """TLS as in production: the agent reconnects for each burst, so handshakes are part of its cost."""
    (workdir / "token").write_text(token)
    config = workdir / "agent.yaml"
    config.write_text(
        f"agent_id: footprint\ncollector:\n  address: {grpc_address}\n  ca_file: {workdir / 'tls' / 'ca.pem'}\n"
        f"  server_name: localhost\n  token_file: {workdir / 'token'}\n"
        f"buffer:\n  path: {workdir / 'buffer'}\ninterval: 15s\ninputs:\n  - type: host\n"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=150, help="measured time after the warm-up")
    args = parser.parse_args()
    token = new_token()
    with tempfile.TemporaryDirectory(prefix="itops-footprint-") as directory:
        workdir = Path(directory)
        tls = write_ca_and_server_certificate(str(workdir / "tls"), ["localhost"], utc_now())
        collector, grpc_address, _http = start_collector(workdir, {"footprint": token}, tls=tls)
        agent = subprocess.Popen([BIN / "itops-agent", "run", "-c", _agent_config(workdir, token, grpc_address),
                                  "--log-level", "warning"])
        try:
            time.sleep(WARMUP_S)
            cpu_start, wall_start = cpu_seconds(agent.pid), time.monotonic()
            time.sleep(args.seconds)
            cpu_s, wall_s = cpu_seconds(agent.pid) - cpu_start, time.monotonic() - wall_start
            rss, peak = memory_mib(agent.pid), memory_mib(agent.pid, "VmHWM")
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
            collector.send_signal(signal.SIGTERM)
            collector.wait(30)
    print(f"agent footprint, host input at 15 s, TLS, {wall_s:.0f} s measured after a {WARMUP_S} s warm-up")
    print(f"RSS {rss:.1f} MiB (peak {peak:.1f} MiB)   target <= 40 MiB")
    print(f"CPU {cpu_s / wall_s * 100:.3f} % of one core ({cpu_s:.2f} s)   target <= 0.1 %")


if __name__ == "__main__":
    main()
