"""`make demo`: a collector with the embedded store and an agent on this machine, then a live view.

Everything lives in ./demo-data (TLS CA and certificate, the agent's token, configs, data). Ctrl-C
stops both processes cleanly. `--duration SECONDS` stops by itself (used by the demo's own test).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from itops.collector.admin_cli import render_hosts
from itops.collector.auth import new_token, token_sha256
from itops.collector.tls import write_ca_and_server_certificate

BIN = Path(sys.executable).parent
SHOWN_METRICS = ("itops_host_cpu_usage_ratio", "itops_host_memory_usage_ratio", "itops_host_load1", "itops_host_uptime_seconds")
DEMO_AGENT_ID = "demo-agent"


def _write_configs(data: Path) -> None:
    tls = write_ca_and_server_certificate(str(data / "tls"), ["localhost", "127.0.0.1"])
    token = new_token()
    token_file = data / "agent.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    (data / "collector.yaml").write_text(f"""\
data_dir: {data / 'collector'}
grpc:
  listen: 127.0.0.1:0
  tls_cert_file: {tls['cert']}
  tls_key_file: {tls['key']}
http:
  listen: 127.0.0.1:0
storage:
  type: sqlite
  path: {data / 'collector' / 'tsdb'}
  retention: 7d
agents:
  - id: {DEMO_AGENT_ID}
    token_sha256: {token_sha256(token)}
""")


def _agent_config(data: Path, grpc_address: str) -> Path:
    path = data / "agent.yaml"
    path.write_text(f"""\
agent_id: {DEMO_AGENT_ID}
collector:
  address: {grpc_address}
  ca_file: {data / 'tls' / 'ca.pem'}
  server_name: localhost
  token_file: {data / 'agent.token'}
buffer:
  path: {data / 'agent-buffer'}
interval: 5s
jitter: 0s
batch:
  max_age: 2s
inputs:
  - type: host
""")
    return path


def _start_collector(data: Path) -> tuple[subprocess.Popen, str, str]:
    process = subprocess.Popen([BIN / "itops-collector", "run", "-c", data / "collector.yaml", "--log-level", "warning"],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("itops-collector ready"):
        process.wait(5)
        sys.exit("demo: the collector did not start; see the messages above")
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return process, fields["grpc"], fields["http"]


def _latest(http: str, metric: str) -> str:
    url = f"http://{http}/api/v1/query_range?name={metric}&since=1m&step=1m&aggregation=last&label=host={os.uname().nodename}"
    with urllib.request.urlopen(url, timeout=5) as response:
        series = json.load(response)["series"]
    values = [s["points"][-1][1] for s in series if s["points"] and s["labels"].get("cpu", "total") == "total"]
    return f"{values[-1]:.3f}" if values else "(waiting)"


def _show(http: str, zone: ZoneInfo, clear: bool) -> None:
    with urllib.request.urlopen(f"http://{http}/api/v1/agents", timeout=5) as response:
        agents = json.load(response)["agents"]
    lines = [f"itops demo — HTTP API http://{http}/api/v1/agents   metrics http://{http}/metrics   (Ctrl-C stops)", "",
             render_hosts(agents, zone), ""]
    lines += [f"{metric:<34} {_latest(http, metric)}" for metric in SHOWN_METRICS]
    print(("\033[2J\033[H" if clear else "\n") + "\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default="demo-data")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    args = parser.parse_args()
    data = Path(args.data_dir).resolve()
    data.mkdir(exist_ok=True)
    if not (data / "collector.yaml").exists():
        _write_configs(data)
    collector, grpc_address, http = _start_collector(data)
    agent = subprocess.Popen([BIN / "itops-agent", "run", "-c", _agent_config(data, grpc_address), "--log-level", "warning"])
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    deadline = time.monotonic() + args.duration if args.duration else None
    try:
        while deadline is None or time.monotonic() < deadline:
            _show(http, ZoneInfo("Asia/Shanghai"), clear=sys.stdout.isatty())
            time.sleep(2)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (agent, collector):
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(30) for process in (agent, collector)]
    print(f"\ndemo stopped (agent exit {codes[0]}, collector exit {codes[1]}); data kept in {data}")
    return 0 if codes == [0, 0] else 1


if __name__ == "__main__":
    sys.exit(main())
