"""The real agent against a real collector, TLS as in production: its RSS and CPU with the host input alone,
and with the host input and SNMP polling of two simulated devices (a printer and a UPS, served by snmpsim
from tests/fixtures/snmp, as in `make demo`). Both agents run at once, every input at a 15 s interval.

    .venv/bin/python benchmarks/agent_footprint.py               # 150 s run, measured after a 20 s warm-up
    .venv/bin/python benchmarks/agent_footprint.py --seconds 300

Targets: RSS <= 40 MiB, CPU <= 0.1 % of one core with the host input (node_exporter here: 20 MiB, 0.07 %).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bench_collector import BIN, cpu_seconds, memory_mib, start_collector
from itops.common.clock import utc_now
from itops.collector.ingest.agent_credentials import new_token
from itops.collector.ingest.tls import write_ca_and_server_certificate

WARMUP_S = 20
REPO = Path(__file__).resolve().parents[1]
SIMULATED_DEVICES = {"printer-3f": "printers/brother", "ups-server-room": "ups/apc_smart1500"}


def _agent_config(workdir: Path, agent_id: str, token: str, grpc_address: str, extra_inputs: str = "") -> Path:
    """TLS as in production: the agent reconnects for each burst, so handshakes are part of its cost. Each
    agent speaks for a host of its own (the collector gives a host to one agent)."""
    (workdir / f"{agent_id}.token").write_text(token)
    config = workdir / f"{agent_id}.yaml"
    config.write_text(
        f"agent_id: {agent_id}\nhostname: {agent_id}-host\ncollector:\n  address: {grpc_address}\n  ca_file: {workdir / 'tls' / 'ca.pem'}\n"
        f"  server_name: localhost\n  token_file: {workdir / f'{agent_id}.token'}\n"
        f"buffer:\n  path: {workdir / f'{agent_id}-buffer'}\ninterval: 15s\ninputs:\n  - type: host\n{extra_inputs}"
    )
    return config


def _snmp_input(port: int) -> str:
    return "  - type: snmp\n    devices:\n" + "".join(
        f"      - {{name: {name}, address: '127.0.0.1:{port}', community: {recording}}}\n"
        for name, recording in SIMULATED_DEVICES.items())


def _start_snmpsim(workdir: Path) -> tuple[subprocess.Popen, int]:
    recordings = workdir / "snmpsim"
    for recording in SIMULATED_DEVICES.values():
        (recordings / recording).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "tests" / "fixtures" / "snmp" / f"{recording}.snmprec", recordings / f"{recording}.snmprec")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [BIN / "snmpsim-command-responder", f"--data-dir={recordings}", f"--cache-dir={workdir / 'snmpsim-cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--logging-method=null"],
        env={**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}, stdout=subprocess.DEVNULL)  # it refuses root otherwise
    return process, port


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=150, help="measured time after the warm-up")
    args = parser.parse_args()
    tokens = {"footprint-host": new_token(), "footprint-snmp": new_token()}
    with tempfile.TemporaryDirectory(prefix="itops-footprint-") as directory:
        workdir = Path(directory)
        tls = write_ca_and_server_certificate(str(workdir / "tls"), ["localhost"], utc_now())
        collector, grpc_address, _http = start_collector(workdir, tokens, tls=tls)
        snmpsim, snmp_port = _start_snmpsim(workdir)
        extra_inputs = {"footprint-host": "", "footprint-snmp": _snmp_input(snmp_port)}
        agents = {agent_id: subprocess.Popen([BIN / "itops-agent", "run", "-c", _agent_config(
                      workdir, agent_id, token, grpc_address, extra_inputs[agent_id]), "--log-level", "warning"])
                  for agent_id, token in tokens.items()}
        try:
            time.sleep(WARMUP_S)
            cpu_start = {agent_id: cpu_seconds(agent.pid) for agent_id, agent in agents.items()}
            wall_start = time.monotonic()
            time.sleep(args.seconds)
            wall_s = time.monotonic() - wall_start
            measured = {agent_id: (memory_mib(agent.pid), memory_mib(agent.pid, "VmHWM"),
                                   cpu_seconds(agent.pid) - cpu_start[agent_id]) for agent_id, agent in agents.items()}
        finally:
            _stop(*agents.values(), snmpsim, collector)
    print(f"agent footprint, TLS, every input at 15 s, {wall_s:.0f} s measured after a {WARMUP_S} s warm-up")
    for agent_id, what in (("footprint-host", "host input"), ("footprint-snmp", "host + SNMP, 2 devices")):
        rss, peak, cpu_s = measured[agent_id]
        print(f"{what:<22}  RSS {rss:.1f} MiB (peak {peak:.1f} MiB)   CPU {cpu_s / wall_s * 100:.3f} % of one core ({cpu_s:.2f} s)")
    print("targets (host input): RSS <= 40 MiB, CPU <= 0.1 %")


if __name__ == "__main__":
    main()
