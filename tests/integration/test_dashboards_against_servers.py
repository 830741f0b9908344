"""Every panel query and every variable query of the committed dashboards, run against real servers holding data a
real agent sent through a real collector: PromQL against Prometheus scraping the collector (/metrics and
/metrics/fleet) and against VictoriaMetrics fed by the collector's influxdb output, InfluxQL against InfluxDB 1.6
fed by the output's v1 writer. The agent reads its host, snmpsim's printer, UPS, switch and room-sensor recordings
and two simulated ZK attendance clocks (one ten minutes fast, one offline); a second agent goes offline, a rule
fires on the fast clock, opens an incident and is notified every two seconds (to a webhook receiver, sent, and to an
Alertmanager port that refuses, failed), a batch with a wrong token is rejected and an output that cannot
reach its server drops what it cannot keep. Each query must return data, every value plausible for the panel's
unit; the few that cannot in a minute's run say why in EXPECTED_EMPTY."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from dashboards.generate import PROMETHEUS_ONLY
from itops.collector.ingest.agent_credentials import new_token
from tests.simulators.webhook_receiver import WebhookReceiver

from .conftest import AgentProcess, CollectorProcess, free_port, wait_until
from .test_alerting import _push
from .test_attendance_clock import READY_RE, SIMULATOR
from .test_auth import ApiSession, add_user
from .test_snmp_poller import snmpsim  # noqa: F401 - a fixture
from .time_series_servers import InfluxDB1, Prometheus, VictoriaMetrics

pytestmark = pytest.mark.integration

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
WINDOW = "5m"
GRAFANA_VALUES = {"$__rate_interval": "1m", "$__interval": "10s", "$__range": WINDOW}
INFLUX_TIME_FILTER = f"time > now() - {WINDOW}"
RULES = """\
rules:
  - name: AttendanceClockFast
    metric: itops_attendance_clock_drift_seconds
    function: last
    op: ">"
    threshold: 60
    severity: P3
    labels: {category: application}
    annotations: {summary: "{{ labels.clock }} is fast", summary_zh: "{{ labels.clock }} 快了"}
"""
DEVICES = {"printer-3f": ("printers/konica_c250i", "Finance", "HQ 3F"), "printer-2f": ("printers/sharp", "Sales", "HQ 2F"),
           "printer-1f": ("printers/ricoh_mpc3002", "Finance", "HQ 1F"),
           "ups-1": ("ups/apc_smart1500", "IT", "Server room"), "ups-2": ("ups/eaton-mgeups_9px", "IT", "Server room"),
           "probe-1": ("environment/akcp_serverprobe8", "IT", "Server room"),
           "switch-1": ("switches/ruijie", "IT", "Server room")}
# (flavour or backend, panel title) → why no data can come in a minute's run. Besides these, the panels marked
# Prometheus only (PROMETHEUS_ONLY) have none on VictoriaMetrics.
EXPECTED_EMPTY = {
    ("any", "Runs out in / 预计耗尽"): "a forecast needs 5 hourly points over 2 days",
    ("influxql", "Supply replacements in the period / 本期耗材更换次数"):
        "no cartridge is replaced; InfluxQL counts rises (none), PromQL sums 0/1 per step (zeros)",
}


@dataclass(frozen=True)
class Target:
    flavour: str
    dashboard: str
    panel: str
    unit: str
    query: str
    instant: bool
    prometheus_only: bool


def _targets() -> list[Target]:
    found = []
    for path in sorted(DASHBOARDS.glob("*/*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel["targets"]:
                found.append(Target(path.parent.name, path.stem, panel["title"], panel["fieldConfig"]["defaults"]["unit"],
                                    target.get("expr") or target["query"], bool(target.get("instant")),
                                    panel.get("description") == PROMETHEUS_ONLY))
    return found


def _variable_queries() -> list[tuple[str, str, str]]:
    return [(path.parent.name, f"{path.stem} ${variable['name']}",
             variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"])
            for path in sorted(DASHBOARDS.glob("*/*.json"))
            for variable in json.loads(path.read_text())["templating"]["list"] if variable["type"] == "query"]


def _filled_in(query: str, flavour: str) -> str:
    for name, value in GRAFANA_VALUES.items():
        query = query.replace(name, value)
    if flavour == "influxql":
        query = query.replace("$timeFilter", INFLUX_TIME_FILTER)
    for variable in ("department", "location", "host", "device", "clock"):  # "All"
        query = query.replace(f"${variable}", ".*")
    return query


def _get_json(url: str, params: dict[str, str]) -> dict:
    with urllib.request.urlopen(url + "?" + urllib.parse.urlencode(params), timeout=30) as response:
        return json.load(response)


@dataclass
class PromQLServer:
    name: str
    url: str
    flush: Callable[[], None] = lambda: None  # VictoriaMetrics: make what was written searchable

    def values(self, expression: str, instant: bool) -> list[float]:
        self.flush()
        now = time.time()
        if instant:
            result = _get_json(self.url + "/api/v1/query", {"query": expression, "time": f"{now:.3f}"})["data"]["result"]
            return [float(series["value"][1]) for series in result]
        result = _get_json(self.url + "/api/v1/query_range", {"query": expression, "start": f"{now - 300:.3f}",
                                                               "end": f"{now:.3f}", "step": "5"})["data"]["result"]
        return [float(value) for series in result for _, value in series["values"]]

    def label_values(self, query: str) -> list[str]:
        selector, _, label = query.removeprefix("label_values(").removesuffix(")").rpartition(", ")
        now = time.time()
        return _get_json(self.url + f"/api/v1/label/{label}/values",
                         {"match[]": selector, "start": f"{now - 300:.3f}", "end": f"{now:.3f}"})["data"]


@dataclass
class InfluxQLServer:
    server: InfluxDB1
    name: str = "influxdb"

    def _series(self, query: str) -> list[dict]:
        return self.server.query(query, "itops")["results"][0].get("series", [])

    def values(self, query: str, instant: bool) -> list[float | None]:
        return [row[1] for series in self._series(query) for row in series["values"]]

    def label_values(self, query: str) -> list[str]:
        return [row[1] for series in self._series(query) for row in series["values"]]


def _start_clock(state: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, SIMULATOR, "--port", "0", "--state", state],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    match = READY_RE.match(process.stdout.readline().strip())
    assert match, "the attendance clock simulator did not start"
    return process, int(match.group(1))


def _collector_config(directory: Path, victoria_metrics: VictoriaMetrics, influxdb: InfluxDB1, rules: Path,
                      hook_url: str) -> str:
    outbox = directory / "outbox"
    return (
        "offline_after: 4s\n"
        f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
        f"  external_url: http://127.0.0.1\n  incidents: {{}}\n"
        f"  receivers:\n    ops:\n      - {{type: webhook, url: '{hook_url}'}}\n"
        f"      - {{type: alertmanager, url: 'http://127.0.0.1:{free_port()}', timeout: 1s}}\n"
        "  dispatch:\n    route: {receiver: ops, group_wait: 0s, group_interval: 1s, repeat_interval: 2s}\n"
        "    retry: {max_attempts: 1}\n"
        "outputs:\n"
        f"  - {{type: influxdb, name: victoria-metrics, url: '{victoria_metrics.url}', outbox: '{outbox}', "
        "batch_interval: 0.5s}\n"
        f"  - {{type: influxdb, name: influxdb1, api: v1, url: '{influxdb.url}', database: itops, outbox: '{outbox}', "
        "batch_interval: 0.5s}\n"
        f"  - {{type: influxdb, name: nowhere, url: 'http://127.0.0.1:{free_port()}', outbox: '{outbox}', "
        "outbox_limit: 16KiB, retry_max: 1s}\n")


def _agent_inputs(snmp_port: int, clock_ports: dict[str, int]) -> str:
    devices = "".join(f"      - {{name: {name}, address: '127.0.0.1:{snmp_port}', community: {community}, "
                      f"department: {department}, location: '{location}'}}\n"
                      for name, (community, department, location) in DEVICES.items())
    devices += f"      - {{name: unplugged, address: '127.0.0.1:{free_port()}', community: public, timeout: 0.3s, retries: 0}}\n"
    clocks = "".join(f"      - {{name: {name}, address: 127.0.0.1, port: {port}, timeout: 0.5s, department: HR, "
                     f"location: 'HQ 1F'}}\n" for name, port in clock_ports.items())
    return (f"  - type: snmp\n    interval: 2s\n    devices:\n{devices}"
            f"  - type: attendance_clock\n    interval: 2s\n    clocks:\n{clocks}")


def _handle_an_incident(collector: CollectorProcess) -> None:
    """A P2 incident opened, acknowledged and resolved: this month's MTTA and MTTR."""
    add_user(collector, "admin", "admin", "admin password")
    admin = ApiSession(collector.http_url)
    assert admin.login("admin", "admin password")[0] == 200
    status, incident = admin.call("POST", "/api/v1/incidents", {"title": "printer jam", "severity": "P2",
                                                                "category": "hardware", "description": "3F"})
    assert status == 201, incident
    for action, body in (("ack", {}), ("resolve", {"cause": "worn roller", "resolution": "roller replaced"})):
        status, answer = admin.call("POST", f"/api/v1/incidents/{incident['id']}/{action}", body)
        assert status == 200, answer


@dataclass
class World:
    servers: dict[str, PromQLServer | InfluxQLServer]


def _answers(server, query: str, instant: bool) -> list:
    try:
        return server.values(query, instant)
    except (OSError, AssertionError, KeyError, ValueError):
        return []


def _server_for(world: World, target: Target) -> list[PromQLServer | InfluxQLServer]:
    if target.flavour == "influxql":
        return [world.servers["influxdb"]]
    return [world.servers["prometheus"], world.servers["victoria-metrics"]]


def _expected_empty(backend: str, target: Target) -> str | None:
    if backend == "victoria-metrics" and target.prometheus_only:
        return PROMETHEUS_ONLY
    return next((why for (where, title), why in EXPECTED_EMPTY.items()
                 if title == target.panel and where in ("any", backend, target.flavour)), None)


def _unanswered(world: World) -> list[tuple[str, str]]:
    return [(server.name, target.panel) for target in _targets() for server in _server_for(world, target)
            if not _expected_empty(server.name, target)
            and not _answers(server, _filled_in(target.query, target.flavour), target.instant)]


def _wait_for_every_panel(world: World, timeout_s: float = 90) -> None:
    """Until every panel has data, or the time is up: then each panel's test says whether it has."""
    started = time.monotonic()
    while time.monotonic() < started + timeout_s:
        if not _unanswered(world):
            break
        time.sleep(3)
    print(f"every panel had data after {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="module")
def world(tmp_path_factory, tls_dir, snmpsim):  # noqa: F811 - snmpsim is the fixture imported above
    directory = tmp_path_factory.mktemp("dashboards")
    victoria_metrics = VictoriaMetrics(directory / "victoria-metrics").start()
    influxdb = InfluxDB1(directory / "influxdb").start()
    influxdb.create_database("itops")
    fast_clock, fast_port = _start_clock("clock_off_10min")
    rules = directory / "rules.yaml"
    rules.write_text(RULES)
    hook = WebhookReceiver()
    tokens = {"agent-a": new_token(), "agent-b": new_token()}
    collector = CollectorProcess(directory, tls_dir, tokens,
                                 extra_config=_collector_config(directory, victoria_metrics, influxdb, rules,
                                                                hook.url)).start()
    prometheus = Prometheus(directory / "prometheus", f"127.0.0.1:{collector.http_port}").start()
    agents = [AgentProcess(directory, tls_dir, "agent-a", tokens["agent-a"], collector.grpc_address,
                           extra_config="labels: {department: IT, location: 'HQ 2F'}\n",
                           extra_inputs=_agent_inputs(snmpsim, {"main-entrance": fast_port, "back-door": free_port()}),
                           log_level="info").start(),
              AgentProcess(directory, tls_dir, "agent-b", tokens["agent-b"], collector.grpc_address,
                           log_level="info").start()]
    try:
        wait_until(lambda: "agent-b" in {a["agent_id"] for a in collector.get("/api/v1/agents")["agents"]
                                         if a.get("online")}, 30, "agent-b to report")
        agents[1].stop()  # its host goes offline after offline_after
        _handle_an_incident(collector)
        with pytest.raises(grpc.RpcError):
            _push(collector, tls_dir, "not-a-token", 1, 1.0)  # a rejected batch
        world = World({"prometheus": PromQLServer("prometheus", prometheus.url),
                       "victoria-metrics": PromQLServer("victoria-metrics", victoria_metrics.url, victoria_metrics.flush),
                       "influxdb": InfluxQLServer(influxdb)})
        _wait_for_every_panel(world)
        assert hook.bodies(), "the firing alert was never notified"
        yield world
    finally:
        for agent in agents:
            if agent.process.poll() is None:
                agent.stop()
        prometheus.stop()
        collector.stop()
        hook.close()
        fast_clock.terminate()
        fast_clock.wait(10)
        victoria_metrics.stop()
        influxdb.stop()


def _plausible(unit: str, panel: str, value: float) -> bool:
    if not math.isfinite(value):
        return False
    if "drift" in panel.lower():
        return abs(value) < 86400
    low, high = {"percentunit": (0, 1), "celsius": (-40, 120), "volt": (0, 1000),
                 "bool_yes_no": (0, 1)}.get(unit, (0, math.inf))
    return low <= value <= high


BACKENDS = {"promql": ("prometheus", "victoria-metrics"), "influxql": ("influxdb",)}
CASES = [pytest.param(target, backend, id=f"{backend}:{target.dashboard}:{target.panel}:{i}")
         for i, target in enumerate(_targets()) for backend in BACKENDS[target.flavour]]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("target", "backend"), CASES)
def test_panel_query_returns_plausible_data(world, target, backend):
    server = world.servers[backend]
    query = _filled_in(target.query, target.flavour)
    values = server.values(query, target.instant)  # raises when the query fails
    if _expected_empty(backend, target):
        return
    present = [value for value in values if value is not None]
    if not present:  # the newest writes may not be searchable yet
        time.sleep(5)
        present = [value for value in server.values(query, target.instant) if value is not None]
    assert present, f"no data for {target.query}"
    assert all(_plausible(target.unit, target.panel, value) for value in present), (target.query, present[:20])


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("flavour", "where", "query"), _variable_queries(), ids=lambda v: str(v)[:60])
def test_variable_query_lists_values(world, flavour, where, query):
    for backend in BACKENDS[flavour]:
        values = world.servers[backend].label_values(_filled_in(query, flavour))
        assert values and all(values), f"{backend} {where}: {values}"


def _stat(world: World, backend: str, dashboard: str, title: str) -> float:
    """The newest value of a dashboard's one-figure panel, as its query answers on ``backend``."""
    flavour = "influxql" if backend == "influxdb" else "promql"
    [target] = [t for t in _targets() if (t.flavour, t.dashboard, t.panel) == (flavour, dashboard, title)]
    if flavour == "influxql":
        return world.servers[backend].values(_filled_in(target.query, flavour), False)[-1]
    [value] = world.servers[backend].values(_filled_in(target.query, flavour), True)
    return value


# (dashboard, panel title) → its figure: agent-a's host reports and agent-b's is down; one of two clocks is
# online; the fast clock's P3 alert fires and its incident is open (the manual P2 one was resolved). Prometheus gets
# the collector's own series twice (/metrics and /metrics/fleet): the panels count them once. A host that stopped
# a minute ago still "reports" in PromQL (a series counts for the 5-minute lookback), not in InfluxQL's newest interval.
HOSTS_REPORTING = ("hosts", "Hosts reporting / 正在上报的主机")
FIGURES = {("attendance-clocks", "Clocks online / 在线考勤机"): 1,
           ("attendance-clocks", "Clocks offline / 离线考勤机"): 1, ("alerts-incidents", "Alerts firing / 正在告警"): 1,
           ("alerts-incidents", "Open incidents / 未关闭事件"): 1}
PROMETHEUS_FIGURES = {("hosts", "Hosts up / 在线主机"): 1, ("hosts", "Hosts down / 离线主机"): 1}


@pytest.mark.parametrize("backend", ["prometheus", "victoria-metrics", "influxdb"])
def test_the_figures_are_what_was_made_to_happen(world, backend):
    expected = {**FIGURES, HOSTS_REPORTING: 1 if backend == "influxdb" else 2,
                **(PROMETHEUS_FIGURES if backend == "prometheus" else {})}
    assert {panel: _stat(world, backend, *panel) for panel in expected} == expected


def test_variables_list_the_configured_devices_and_departments(world):
    assert sorted(world.servers["victoria-metrics"].label_values('label_values(itops_snmp_up{department=~".*"}, device)')) \
        == sorted([*DEVICES, "unplugged"])
    departments = world.servers["influxdb"].label_values('SHOW TAG VALUES FROM "itops_snmp" WITH KEY = "department"')
    assert set(departments) == {department for _, department, _ in DEVICES.values()}
