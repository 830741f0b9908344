"""`make demo`: a collector with the embedded store and an agent on this machine, then a live view.

The agent also polls a simulated network printer and UPS (snmpsim serving real device recordings from
tests/fixtures/snmp) and a simulated ZKTeco attendance clock (tests/simulators/zk_clock.py).
Everything lives in ./demo-data (TLS CA and certificate, the agent's token, the admin's password and API
token, configs, data). The collector listens on its default ports, 9717 (gRPC) and 9718 (HTTP API and
console), which the `itops` CLI and the agent expect; --grpc-port/--http-port (or ITOPS_DEMO_GRPC_PORT and
ITOPS_DEMO_HTTP_PORT) choose others. Ctrl-C stops every process cleanly. `--duration SECONDS` stops by
itself (used by the demo's own test).

`--grafana` (`make demo-grafana`) also starts VictoriaMetrics and InfluxDB 1.6 when they are installed
(/usr/bin/victoria-metrics, /usr/bin/influxd), on 127.0.0.1 ports 8428 and 8086 (the URLs
deploy/grafana/provisioning expects; --victoria-metrics-port/--influxdb-port choose others) with their data in
demo-data, has the collector's influxdb outputs feed them, and prints the provisioning folder and the data
source URLs to point a Grafana at.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from itops.collector.cli.api_client import table
from itops.collector.cli.itops_command import render_hosts
from itops.collector.config import GrpcConfig, HttpConfig
from itops.collector.ingest.agent_credentials import new_token, token_sha256
from itops.collector.ingest.tls import write_ca_and_server_certificate
from itops.common.clock import utc_now
from itops.common.metric_catalogue import format_value, metric_name

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the time-series servers are started as the tests start them
from tests.integration.time_series_servers import (
    INFLUXD_BINARY,
    VICTORIA_METRICS_BINARY,
    InfluxDB1,
    VictoriaMetrics,
)

BIN = Path(sys.executable).parent
SIMULATED_DEVICES = {"printer-3f": "printers/brother", "ups-server-room": "ups/apc_smart1500"}
SHOWN_METRICS = ("itops_host_cpu_usage_ratio", "itops_host_memory_usage_ratio", "itops_host_load1", "itops_host_uptime_seconds")
DEMO_AGENT_ID = "demo-agent"


def _port_of(listen: str) -> int:
    return int(listen.rpartition(":")[2])


# The collector's own default ports, which the CLI's default URL and the agent's default address expect.
DEFAULT_GRPC_PORT = _port_of(GrpcConfig().listen)
DEFAULT_HTTP_PORT = _port_of(HttpConfig().listen)
PORT_OPTIONS = {"grpc": ("gRPC (agents)", "--grpc-port", "ITOPS_DEMO_GRPC_PORT", DEFAULT_GRPC_PORT),
                "http": ("HTTP API and console", "--http-port", "ITOPS_DEMO_HTTP_PORT", DEFAULT_HTTP_PORT)}
# --grafana: the servers' default ports are those deploy/grafana/provisioning/datasources expects.
GRAFANA_PORT_OPTIONS = {
    "victoria_metrics": ("VictoriaMetrics", "--victoria-metrics-port", "ITOPS_DEMO_VICTORIA_METRICS_PORT", 8428),
    "influxdb": ("InfluxDB", "--influxdb-port", "ITOPS_DEMO_INFLUXDB_PORT", 8086)}
GRAFANA_SERVERS = {"victoria_metrics": (VICTORIA_METRICS_BINARY, VictoriaMetrics),
                   "influxdb": (INFLUXD_BINARY, InfluxDB1)}
PROVISIONING = REPO / "deploy" / "grafana" / "provisioning"


def _refuse_taken_port(name: str, port: int) -> None:
    """Exits naming the port and how to choose another when something on this machine already listens on it."""
    what, option, variable, _ = {**PORT_OPTIONS, **GRAFANA_PORT_OPTIONS}[name]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the collector binds: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            sys.exit(f"demo: port {port} for the {what} on 127.0.0.1 is taken ({exc.strerror}); stop what uses it "
                     f"(an earlier demo?) or choose another port: {option} PORT, or {variable}=PORT make demo")


def _write_collector_config(data: Path, grpc_port: int, http_port: int, agent_token: str, outputs: str) -> None:
    (data / "collector.yaml").write_text(f"""\
data_dir: {data / 'collector'}
grpc:
  listen: 127.0.0.1:{grpc_port}
  tls_cert_file: {data / 'tls' / 'server.pem'}
  tls_key_file: {data / 'tls' / 'server-key.pem'}
http:
  listen: 127.0.0.1:{http_port}
enrollment:
  mtls: false  # the demo's agent sends with its bearer token: no third port to find free
storage:
  type: sqlite
  path: {data / 'collector' / 'tsdb'}
  retention: 7d
agents:
  - id: {DEMO_AGENT_ID}
    token_sha256: {token_sha256(agent_token)}
alerting:
  external_url: http://127.0.0.1:{http_port}
  incidents: {{}}
{outputs}""")


def _secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path`` (mode 0600), made by ``make`` the first time."""
    if not path.exists():
        secret = make()
        path.write_text(secret + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _write_configs(data: Path, grpc_port: int, http_port: int, outputs: str) -> None:
    """The collector's config for these ports; the CA, tokens and the admin user only the first time."""
    if not (data / "tls" / "server.pem").exists():
        write_ca_and_server_certificate(str(data / "tls"), ["localhost", "127.0.0.1"], utc_now())
    _write_collector_config(data, grpc_port, http_port, _secret_file(data / "agent.token", new_token), outputs)
    _secret_file(data / "admin.password", _add_admin(data))
    _secret_file(data / "api.token", _new_api_token(data))


def _add_admin(data: Path) -> Callable[[], str]:
    def make() -> str:
        password = secrets.token_urlsafe(12)
        subprocess.run([BIN / "itops-collector", "add-user", "-c", data / "collector.yaml", "admin", "--role", "admin",
                        "--language", "zh-CN"], input=password + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
        return password
    return make


def _new_api_token(data: Path) -> Callable[[], str]:
    def make() -> str:  # the admin's token for the CLI; `itops-collector new-api-token` prints it last
        printed = subprocess.run([BIN / "itops-collector", "new-api-token", "-c", data / "collector.yaml", "admin",
                                  "demo-cli"], check=True, capture_output=True, text=True).stdout
        return printed.split()[-1]
    return make


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_snmpsim(data: Path) -> tuple[subprocess.Popen, int]:
    recordings = data / "snmpsim" / "data"
    for recording in SIMULATED_DEVICES.values():
        target = recordings / f"{recording}.snmprec"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "tests" / "fixtures" / "snmp" / f"{recording}.snmprec", target)
    port = _free_udp_port()
    process = subprocess.Popen(
        [BIN / "snmpsim-command-responder", f"--data-dir={recordings}", f"--cache-dir={data / 'snmpsim' / 'cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--logging-method=null"],
        env={**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}, stdout=subprocess.DEVNULL)  # it refuses root otherwise
    return process, port


def _start_attendance_clock() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, REPO / "tests" / "simulators" / "zk_clock.py", "--port", "0",
                                "--state", "clock_off_10min"], stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline().split("port=")[1].split()[0])


def _agent_config(data: Path, grpc_address: str, snmp_port: int, clock_port: int) -> Path:
    devices = "".join(f"      - {{name: {name}, address: '127.0.0.1:{snmp_port}', community: {recording}, location: HQ 3F}}\n"
                      for name, recording in SIMULATED_DEVICES.items())
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
  - type: inventory
  - type: snmp
    interval: 10s
    devices:
{devices}  - type: attendance_clock
    interval: 10s
    clocks:
      - {{name: main-entrance, address: 127.0.0.1, port: {clock_port}, location: HQ 1F lobby}}
""")
    return path


def _start_time_series_servers(data: Path, ports: dict[str, int]) -> dict[str, VictoriaMetrics | InfluxDB1]:
    """VictoriaMetrics and InfluxDB 1.6 (database itops), those installed, on their ports with data in ``data``."""
    started = {}
    for name, (binary, server_class) in GRAFANA_SERVERS.items():
        if shutil.which(binary) is None:
            print(f"demo: {binary} is not installed; no {GRAFANA_PORT_OPTIONS[name][0]} for Grafana", file=sys.stderr)
            continue
        server = server_class(data / name.replace("_", "-"))
        server.port = ports[name]
        started[name] = server.start()
    if "influxdb" in started:
        started["influxdb"].create_database("itops")
    return started


def _outputs_config(data: Path, servers: dict[str, VictoriaMetrics | InfluxDB1]) -> str:
    """The collector's influxdb outputs feeding the servers: v2 to VictoriaMetrics, v1 to InfluxDB."""
    api = {"victoria_metrics": "", "influxdb": " api: v1, database: itops,"}
    return "outputs:\n" + "".join(
        f"  - {{type: influxdb, name: {name.replace('_', '-')},{api[name]} url: '{server.url}', "
        f"outbox: '{data / 'collector' / 'outbox'}'}}\n" for name, server in servers.items()) if servers else ""


def _grafana_addresses(servers: dict[str, VictoriaMetrics | InfluxDB1]) -> list[str]:
    urls = {"victoria_metrics": "VictoriaMetrics {url} (PromQL: dashboards/promql, data source itops-victoriametrics)",
            "influxdb": "InfluxDB 1.6   {url} database itops (InfluxQL: dashboards/influxql, data source itops-influxdb)"}
    lines = [f"Grafana   provisioning {PROVISIONING}", f"          ITOPS_DASHBOARDS={REPO / 'dashboards'}"]
    lines += [f"          {urls[name].format(url=server.url)}" for name, server in servers.items()]
    if any(server.port != GRAFANA_PORT_OPTIONS[name][3] for name, server in servers.items()):
        lines.append(f"          (other ports than the provisioning's: edit the url in {PROVISIONING / 'datasources'})")
    return lines


def _exit_code(name: str, process: subprocess.Popen, grace_s: float = 30) -> int:
    """Waits for a process told to stop; one that does not within ``grace_s`` is killed (and says so)."""
    try:
        return process.wait(grace_s)
    except subprocess.TimeoutExpired:
        print(f"the {name} did not stop within {grace_s:g} s; killed", file=sys.stderr)
        process.kill()
        return process.wait()


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
    """The metric's newest value on this machine, written in its unit."""
    url = f"http://{http}/api/v1/points?name={metric}&since=1m&step=1m&aggregation=last&label=host={os.uname().nodename}"
    with urllib.request.urlopen(url, timeout=5) as response:
        series = json.load(response)["series"]
    values = [s["points"][-1][1] for s in series if s["points"] and s["labels"].get("cpu", "total") == "total"]
    return format_value(metric, values[-1], "en") if values else "(waiting)"


def _get(http: str, path: str) -> dict:
    with urllib.request.urlopen(f"http://{http}{path}", timeout=5) as response:
        return json.load(response)


def _addresses(data: Path, grpc: str, http: str, snmp_port: int, clock_port: int) -> list[str]:
    """Where everything of the demo is, and the lines that make the ``itops`` CLI talk to it."""
    itops = BIN / "itops"
    shown_itops = itops.relative_to(Path.cwd()) if itops.is_relative_to(Path.cwd()) else itops
    return [
        f"console   http://{http}/console/   user admin, password {(data / 'admin.password').read_text().strip()}",
        f"HTTP API  http://{http}/api/v1/agents   metrics http://{http}/metrics",
        f"gRPC      {grpc} (TLS, CA {data / 'tls' / 'ca.pem'}), agent {DEMO_AGENT_ID}",
        f"SNMP      127.0.0.1:{snmp_port}: " + ", ".join(f"{name} (community {recording})"
                                                   for name, recording in SIMULATED_DEVICES.items()),
        f"clock     127.0.0.1:{clock_port}: main-entrance (ZKTeco attendance clock)",
        "",
        "the CLI, in another shell:",
        f"  export ITOPS_URL=http://{http}",
        f"  export ITOPS_TOKEN={(data / 'api.token').read_text().strip()}",
        f"  {shown_itops} incidents list   ({shown_itops} hosts, {shown_itops} alerts, {shown_itops} --help)",
    ]


def _show(http: str, addresses: list[str], zone: ZoneInfo, clear: bool) -> None:
    lines = ["itops demo — Ctrl-C stops everything", *addresses, "",
             render_hosts(_get(http, "/api/v1/agents")["agents"], zone, utc_now()), ""]
    lines += [table(("METRIC", "", "LATEST"), [(metric, metric_name(metric, "en"), _latest(http, metric))
                                                for metric in SHOWN_METRICS]), ""]
    lines += [table(("STATUS", "CHECK", "TARGET", "MESSAGE"), [
        (c["status"], c["check"], c["target"], c["message"][:90])
        for c in _get(http, "/api/v1/checks")["checks"] if c["check"] not in ("central_config",)])]
    print(("\033[2J\033[H" if clear else "\n") + "\n".join(lines), flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="demo-data")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    parser.add_argument("--grafana", action="store_true",
                        help="also start VictoriaMetrics and InfluxDB 1.6 (when installed), fed by the collector")
    for name, (what, option, variable, default) in {**PORT_OPTIONS, **GRAFANA_PORT_OPTIONS}.items():
        parser.add_argument(option, dest=f"{name}_port", type=int, default=int(os.environ.get(variable, default)),
                            help=f"port of the {what} on 127.0.0.1 (default ${variable} or {default})")
    return parser


def main() -> int:
    args = _parser().parse_args()
    for name in [*PORT_OPTIONS, *(GRAFANA_PORT_OPTIONS if args.grafana else ())]:
        _refuse_taken_port(name, getattr(args, f"{name}_port"))
    data = Path(args.data_dir).resolve()
    data.mkdir(exist_ok=True)
    servers = _start_time_series_servers(data, {name: getattr(args, f"{name}_port") for name in GRAFANA_PORT_OPTIONS}) \
        if args.grafana else {}
    _write_configs(data, args.grpc_port, args.http_port, _outputs_config(data, servers))
    collector, grpc_address, http = _start_collector(data)
    snmpsim, snmp_port = _start_snmpsim(data)
    clock, clock_port = _start_attendance_clock()
    agent = subprocess.Popen([BIN / "itops-agent", "run", "-c", _agent_config(data, grpc_address, snmp_port, clock_port),
                              "--log-level", "error"])
    addresses = _addresses(data, grpc_address, http, snmp_port, clock_port) + (_grafana_addresses(servers) if servers else [])
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    deadline = time.monotonic() + args.duration if args.duration else None
    try:
        while deadline is None or time.monotonic() < deadline:
            _show(http, addresses, ZoneInfo("Asia/Shanghai"), clear=sys.stdout.isatty())
            time.sleep(2)
    except KeyboardInterrupt:
        pass
    finally:
        processes = {"agent": agent, "collector": collector, "snmpsim": snmpsim, "attendance clock": clock}
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        codes = [_exit_code(name, process) for name, process in processes.items()][:2]
        for server in servers.values():
            server.stop()
    print(f"\ndemo stopped (agent exit {codes[0]}, collector exit {codes[1]}); data kept in {data}")
    return 0 if codes == [0, 0] else 1


if __name__ == "__main__":
    sys.exit(main())
