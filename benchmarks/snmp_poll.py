"""500 simulated SNMP devices polled by one ``snmp`` input: poll-cycle time and the agent's CPU per interval.

    .venv/bin/python benchmarks/snmp_poll.py                       # 500 devices, 3 intervals of 60 s
    .venv/bin/python benchmarks/snmp_poll.py --devices 200 --intervals 2

snmpsim (a separate process, not counted) serves the recordings in tests/fixtures/snmp; device i polls
recording i mod 35 (printers, UPS, switches, room sensors, cameras), each as its own device. The input is
gathered once per interval, as the agent's runner would, in this process; CPU is this process's CPU time
over the interval. The first interval also selects every device's profile. Target: every device polled
within the 60 s interval, using < 25 % of one core.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.config import SnmpConfig
from itops.agent.inputs.snmp.snmp import SnmpInput
from itops.common.yaml_config import load_text

RECORDINGS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "snmp"
BIN = Path(sys.executable).parent


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_snmpsim(workdir: Path, port: int) -> subprocess.Popen:
    shutil.copytree(RECORDINGS, workdir / "data", ignore=shutil.ignore_patterns("*.md"))
    return subprocess.Popen(
        [BIN / "snmpsim-command-responder", f"--data-dir={workdir / 'data'}", f"--cache-dir={workdir / 'cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--logging-method=null"],
        env={**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_input(port: int, device_count: int, interval_s: float) -> SnmpInput:
    recordings = sorted(str(path.relative_to(RECORDINGS).with_suffix("")) for path in RECORDINGS.glob("*/*.snmprec"))
    devices = [{"name": f"device-{i:03d}", "address": f"127.0.0.1:{port}", "community": recordings[i % len(recordings)],
                "interval": f"{interval_s}s", "timeout": "5s", "retries": 1} for i in range(device_count)]
    return SnmpInput(load_text(yaml.safe_dump({"type": "snmp", "devices": devices}), SnmpConfig))


def wait_until_up(port: int) -> None:
    probe = make_input(port, 1, 1)
    deadline = time.monotonic() + 60
    try:
        while not _up_count(_gather(probe)):
            if time.monotonic() > deadline:
                raise SystemExit("snmpsim did not answer within 60 s")
            time.sleep(0.5)
    finally:
        probe.close()


def _gather(snmp_input: SnmpInput) -> GatherResult:
    result = GatherResult({})
    snmp_input.gather(result)
    return result


def _up_count(result: GatherResult) -> int:
    return sum(1 for name, _labels, value, _ts in result.samples if name == "itops_snmp_up" and value == 1)


def run(device_count: int, intervals: int, interval_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as tmp:
        port = free_udp_port()
        simulator = start_snmpsim(Path(tmp), port)
        try:
            wait_until_up(port)
            snmp_input = make_input(port, device_count, interval_s)
            print(f"{device_count} devices, gathered every {interval_s:g} s")
            print("interval  cycle_s  devices_up  samples  agent_cpu_%_of_one_core  rss_mib")
            for number in range(1, intervals + 1):
                interval_start, cpu_start = time.monotonic(), time.process_time()
                result = _gather(snmp_input)
                cycle_s = time.monotonic() - interval_start
                time.sleep(max(0.0, interval_s - cycle_s))
                cpu_percent = 100 * (time.process_time() - cpu_start) / (time.monotonic() - interval_start)
                rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"{number:8d}  {cycle_s:7.2f}  {_up_count(result):10d}  {len(result.samples):7d}  {cpu_percent:23.1f}  {rss_mib:7.1f}", flush=True)
            snmp_input.close()
        finally:
            simulator.send_signal(signal.SIGTERM)
            simulator.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--intervals", type=int, default=3)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between gathers (and each device's interval)")
    args = parser.parse_args()
    run(args.devices, args.intervals, args.interval)


if __name__ == "__main__":
    main()
