"""`make demo` runs deploy/demo.py: collector + agent on this machine, and this machine's metrics show up."""

import importlib.util
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from itops.agent.config import DEFAULT_COLLECTOR_PORT
from itops.collector.cli.itops_command import DEFAULT_URL
from tests.integration.conftest import free_port, wait_until

pytestmark = pytest.mark.integration

DEMO = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "demo.py"
ITOPS = pathlib.Path(sys.executable).parent / "itops"


def _demo_module():
    spec = importlib.util.spec_from_file_location("demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_listens_where_the_cli_and_the_agent_look_by_default():
    demo = _demo_module()
    assert f"127.0.0.1:{demo.DEFAULT_HTTP_PORT}" == urllib.parse.urlsplit(DEFAULT_URL).netloc
    assert demo.DEFAULT_GRPC_PORT == DEFAULT_COLLECTOR_PORT


def _exports(view: str) -> dict[str, str]:
    return dict(line.strip().removeprefix("export ").split("=", 1) for line in view.splitlines()
                if line.strip().startswith("export "))


@pytest.mark.timeout(150)
def test_demo_shows_this_machines_metrics_prints_its_addresses_and_a_working_cli_token(tmp_path):
    grpc_port, http_port = free_port(), free_port()
    demo = subprocess.Popen([sys.executable, DEMO, "--data-dir", tmp_path / "demo", "--duration", "25",
                             "--grpc-port", str(grpc_port), "--http-port", str(http_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_view = ""
    for line in demo.stdout:  # the first frame ends with the checks it shows
        first_view += line
        if line.startswith("STATUS"):
            break
    exports = _exports(first_view)
    assert exports["ITOPS_URL"] == f"http://127.0.0.1:{http_port}"
    cli = subprocess.run([ITOPS, "incidents", "list"], check=False, env={**os.environ, **exports}, capture_output=True, text=True,
                         timeout=30)
    without_token = subprocess.run([ITOPS, "incidents", "list"], check=False, env={**os.environ, "ITOPS_URL": exports["ITOPS_URL"],
                                                                       "ITOPS_TOKEN": ""},
                                   capture_output=True, text=True, timeout=30)
    stdout, stderr = demo.communicate(timeout=100)
    assert demo.returncode == 0, stdout[-2000:] + stderr[-2000:]
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.splitlines()[0] == "times in Asia/Shanghai"
    assert cli.stdout.splitlines()[1].split()[:3] == ["ID", "SEV", "STATE"]
    assert without_token.returncode == 1
    assert "HTTP 401" in without_token.stderr and "no API token was given: set $ITOPS_TOKEN or pass --token" in without_token.stderr

    last_view = stdout.split("itops demo — ")[-1]
    assert f"gRPC      127.0.0.1:{grpc_port} (TLS" in last_view
    assert f"http://127.0.0.1:{http_port}/console/   user admin, password " in last_view
    assert f"http://127.0.0.1:{http_port}/metrics" in last_view
    assert "printer-3f (community printers/brother)" in last_view and "main-entrance" in last_view
    assert "demo-agent" in last_view and "online" in last_view
    checks = [line.split() for line in last_view.split("\nSTATUS")[1].splitlines()[1:]]
    by_check = {(row[1], row[2]): row[0] for row in checks if len(row) >= 3}
    assert by_check[("printer_status", "printer-3f")] in ("OK", "WARNING", "CRITICAL")
    assert by_check[("ups_status", "ups-server-room")] in ("OK", "WARNING", "CRITICAL")
    assert by_check[("attendance_clock", "main-entrance")] == "WARNING"  # its clock is 10 minutes off
    metric_lines = {line.split()[0]: line for line in last_view.splitlines() if line.startswith("itops_host_")}
    float(metric_lines["itops_host_load1"].split()[-1])  # a number, not "(waiting)"
    # written in their units with their names, not 0.5619999999999635
    assert re.search(r"CPU usage +\d+(\.\d)? %$", metric_lines["itops_host_cpu_usage_ratio"]), metric_lines
    assert re.search(r"\d+ (s|min|h|d)( \d+ (s|min|h))?$", metric_lines["itops_host_uptime_seconds"]), metric_lines
    assert "demo stopped (agent exit 0, collector exit 0)" in stdout
    # notifications link the console where the demo serves it
    assert f"external_url: http://127.0.0.1:{http_port}\n" in (tmp_path / "demo" / "collector.yaml").read_text()


@pytest.mark.timeout(60)
def test_demo_names_a_taken_port_and_how_to_choose_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, DEMO, "--data-dir", tmp_path / "demo", "--duration", "1",
                                 "--grpc-port", str(free_port()), "--http-port", str(port)],
                                check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"demo: port {port} for the HTTP API and console on 127.0.0.1 is taken" in result.stderr
    assert "--http-port PORT, or ITOPS_DEMO_HTTP_PORT=PORT make demo" in result.stderr
    assert not (tmp_path / "demo").exists()  # nothing started, nothing written


@pytest.mark.timeout(150)
def test_demo_grafana_feeds_victoria_metrics_and_influxdb_and_prints_where_to_point_grafana(tmp_path):
    ports = {option: free_port() for option in ("--grpc-port", "--http-port", "--victoria-metrics-port", "--influxdb-port")}
    demo = subprocess.Popen([sys.executable, DEMO, "--grafana", "--data-dir", tmp_path / "demo", "--duration", "45",
                             *(str(part) for option, port in ports.items() for part in (option, port))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victoria_metrics = f"http://127.0.0.1:{ports['--victoria-metrics-port']}"
    influxdb = f"http://127.0.0.1:{ports['--influxdb-port']}"
    series = urllib.parse.urlencode({"match[]": "itops_host_load1"})
    influxql = urllib.parse.urlencode({"db": "itops", "q": 'SELECT last("load1") FROM "itops_host"'})

    def answer(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()

    def arrived() -> bool:
        answer(f"{victoria_metrics}/internal/force_flush")
        return bool(answer(f"{victoria_metrics}/api/v1/export?{series}").strip()) \
            and "series" in json.loads(answer(f"{influxdb}/query?{influxql}"))["results"][0]

    wait_until(arrived, 40, "the demo's host metrics in VictoriaMetrics and InfluxDB")
    stdout, stderr = demo.communicate(timeout=100)
    assert demo.returncode == 0, stdout[-2000:] + stderr[-2000:]
    last_view = stdout.split("itops demo — ")[-1]
    assert f"Grafana   provisioning {DEMO.parents[1] / 'deploy' / 'grafana' / 'provisioning'}" in last_view
    assert f"VictoriaMetrics {victoria_metrics} (PromQL" in last_view
    assert f"InfluxDB 1.6   {influxdb} database itops (InfluxQL" in last_view
    assert (tmp_path / "demo" / "victoria-metrics").is_dir() and (tmp_path / "demo" / "influxdb").is_dir()
