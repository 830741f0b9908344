"""Real time-series servers on 127.0.0.1 for tests: VictoriaMetrics (``/usr/bin/victoria-metrics``), InfluxDB
1.6 (``/usr/bin/influxd``) and Prometheus (``/usr/bin/prometheus``, scraping a collector's /metrics and
/metrics/fleet), each on free ports with its data in a temporary directory. A missing binary FAILS the
test (never skips it): CI installs them all.

Use the classes directly (``VictoriaMetrics(directory).start()`` … ``.stop()``), or the fixtures: function-scoped
``victoria_metrics`` and ``influxdb1`` give a fresh empty server per test; ``victoria_metrics_session`` and
``influxdb1_session`` one server per test session (import them into your conftest or test module, e.g.
``from .time_series_servers import victoria_metrics_session  # noqa: F401``). A test that needs other flags
(authentication, a small request size limit) builds its own: ``VictoriaMetrics(tmp_path, "-maxInsertRequestSize=1000")``.

Reading back: ``VictoriaMetrics.export(match)`` returns every raw sample of the matching series after a forced flush
(``/api/v1/export``), ``.query(promql)`` an instant query; ``InfluxDB1.query(q)`` runs InfluxQL on ``/query``.
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["InfluxDB1", "Prometheus", "VictoriaMetrics", "influxdb1", "influxdb1_session", "victoria_metrics",
           "victoria_metrics_session"]

VICTORIA_METRICS_BINARY = "/usr/bin/victoria-metrics"
INFLUXD_BINARY = "/usr/bin/influxd"
PROMETHEUS_BINARY = "/usr/bin/prometheus"
_PACKAGES = {VICTORIA_METRICS_BINARY: "victoria-metrics", INFLUXD_BINARY: "influxdb", PROMETHEUS_BINARY: "prometheus"}
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(path: str) -> str:
    if shutil.which(path) is None:
        pytest.fail(f"{path} is needed for this test and is not installed (Debian package "
                    f"{_PACKAGES[path]})")
    return path


class _Server:
    """A server process with an HTTP API; subclasses say how to start it and when it is ready."""

    name = "server"

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / f"{self.name}.log"
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.basic_auth: tuple[str, str] | None = None  # sent with the requests below

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError

    def start(self):
        """Start (again, on the same port and data after a ``stop``); returns once the server answers."""
        self.port = self.port or free_port()
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if self._ready():
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT_S}s:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, path: str, params: dict[str, str] | None = None, data: bytes | None = None,
                headers: dict[str, str] | None = None, timeout_s: float = 30) -> tuple[int, bytes]:
        """(status, body) of one request; HTTP errors are returned, not raised."""
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
        if self.basic_auth:
            credentials = base64.b64encode(":".join(self.basic_auth).encode()).decode()
            request.add_header("Authorization", f"Basic {credentials}")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


class VictoriaMetrics(_Server):
    """Single-node VictoriaMetrics, deduplicating samples of one series with equal timestamps (as the InfluxDB
    output's README asks), plus any ``flags``."""

    name = "victoria-metrics"

    def __init__(self, directory: Path, *flags: str):
        super().__init__(directory)
        self.flags = flags

    def _command(self) -> list[str]:
        return [_binary(VICTORIA_METRICS_BINARY), f"-httpListenAddr=127.0.0.1:{self.port}",
                f"-storageDataPath={self.directory / 'data'}", "-dedup.minScrapeInterval=1ms", "-search.disableCache",
                "-loggerLevel=WARN", *self.flags]

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
            return response.status == 200

    def write(self, lines: str, path: str = "/write") -> tuple[int, bytes]:
        return self.request(path, data=lines.encode())

    def flush(self) -> None:
        """Make every written sample searchable now."""
        status, body = self.request("/internal/force_flush")
        assert status == 200, body

    def export(self, match: str = '{__name__!=""}') -> list[dict]:
        """Every raw sample of the series ``match`` selects: ``[{"metric": {...}, "values": [...], "timestamps":
        [...]}]`` (timestamps in ms), after a flush."""
        self.flush()
        status, body = self.request("/api/v1/export", {"match[]": match})
        assert status == 200, body
        return [json.loads(line) for line in body.decode().splitlines() if line]

    def query(self, promql: str) -> list[dict]:
        """The result vector of an instant query, after a flush."""
        self.flush()
        status, body = self.request("/api/v1/query", {"query": promql})
        assert status == 200, body
        return json.loads(body)["data"]["result"]


class InfluxDB1(_Server):
    """InfluxDB 1.6 with every port on 127.0.0.1, reporting and self-monitoring off; ``auth_enabled`` requires
    users (create the admin with ``create_admin``), ``max_body_size`` bounds a write request in bytes."""

    name = "influxd"

    def __init__(self, directory: Path, auth_enabled: bool = False, max_body_size: int = 25_000_000):
        super().__init__(directory)
        self.auth_enabled = auth_enabled
        self.max_body_size = max_body_size
        self.rpc_port = 0

    def _command(self) -> list[str]:
        self.rpc_port = self.rpc_port or free_port()
        config = self.directory / "influxdb.conf"
        config.write_text(
            f'reporting-disabled = true\nbind-address = "127.0.0.1:{self.rpc_port}"\n'
            f'[meta]\n  dir = "{self.directory / "meta"}"\n'
            f'[data]\n  dir = "{self.directory / "data"}"\n  wal-dir = "{self.directory / "wal"}"\n'
            f'  query-log-enabled = false\n'
            f'[monitor]\n  store-enabled = false\n'
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  auth-enabled = {str(self.auth_enabled).lower()}\n'
            f'  log-enabled = false\n  max-body-size = {self.max_body_size}\n'
            f'[logging]\n  level = "warn"\n')
        return [_binary(INFLUXD_BINARY), "run", "-config", str(config)]

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.url + "/ping", timeout=2) as response:
            return response.status == 204

    def query(self, q: str, database: str | None = None, method: str = "GET") -> dict:
        """The JSON answer of InfluxQL ``q`` (POST for statements that change something, e.g. CREATE DATABASE)."""
        params = {"q": q, "epoch": "ms", **({"db": database} if database else {})}
        data = urllib.parse.urlencode(params).encode() if method == "POST" else None
        status, body = self.request("/query", None if data else params, data=data,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"} if data else None)
        assert status == 200, body
        answer = json.loads(body)
        errors = [result["error"] for result in answer.get("results", []) if "error" in result]
        assert not errors, errors
        return answer

    def create_database(self, database: str) -> None:
        self.query(f'CREATE DATABASE "{database}"', method="POST")

    def create_admin(self, username: str, password: str) -> None:
        """The first user, on a server with authentication (allowed without credentials while there is none)."""
        self.query(f"CREATE USER \"{username}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES", method="POST")
        self.basic_auth = (username, password)

    def points(self, measurement: str, database: str) -> list[dict]:
        """Every point of ``measurement`` as {column: value} (time in ms), tags included."""
        answer = self.query(f'SELECT * FROM "{measurement}"', database)
        rows = []
        for series in answer["results"][0].get("series", []):
            rows += [dict(zip(series["columns"], values)) for values in series["values"]]
        return rows


class Prometheus(_Server):
    """Prometheus scraping a collector at ``collector_address`` every ``scrape_interval``: job ``itops-collector``
    its /metrics, job ``itops-fleet`` its /metrics/fleet with ``honor_labels: true``, both with ``bearer_token``
    when given (as docs/prometheus.md configures it)."""

    name = "prometheus"

    def __init__(self, directory: Path, collector_address: str, bearer_token: str | None = None,
                 scrape_interval: str = "1s"):
        super().__init__(directory)
        self.collector_address = collector_address
        self.bearer_token = bearer_token
        self.scrape_interval = scrape_interval

    def _command(self) -> list[str]:
        authorization = f"    authorization: {{credentials: '{self.bearer_token}'}}\n" if self.bearer_token else ""
        config = self.directory / "prometheus.yml"
        config.write_text(
            f"global: {{scrape_interval: {self.scrape_interval}, scrape_timeout: {self.scrape_interval}}}\n"
            "scrape_configs:\n"
            f"  - job_name: itops-collector\n{authorization}"
            f"    static_configs: [{{targets: ['{self.collector_address}']}}]\n"
            f"  - job_name: itops-fleet\n    honor_labels: true\n    metrics_path: /metrics/fleet\n{authorization}"
            f"    static_configs: [{{targets: ['{self.collector_address}']}}]\n")
        return [_binary(PROMETHEUS_BINARY), f"--config.file={config}", f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"]

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
            return response.status == 200

    def query(self, promql: str) -> list[dict]:
        """The result vector of an instant query at now."""
        status, body = self.request("/api/v1/query", {"query": promql})
        assert status == 200, body
        return json.loads(body)["data"]["result"]

    def targets(self) -> list[dict]:
        """The active scrape targets with their health and last error."""
        status, body = self.request("/api/v1/targets")
        assert status == 200, body
        return json.loads(body)["data"]["activeTargets"]


def _running(server: _Server) -> Iterator[_Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def victoria_metrics(tmp_path) -> Iterator[VictoriaMetrics]:
    yield from _running(VictoriaMetrics(tmp_path / "victoria-metrics"))


@pytest.fixture(scope="session")
def victoria_metrics_session(tmp_path_factory) -> Iterator[VictoriaMetrics]:
    yield from _running(VictoriaMetrics(tmp_path_factory.mktemp("victoria-metrics")))


@pytest.fixture
def influxdb1(tmp_path) -> Iterator[InfluxDB1]:
    yield from _running(InfluxDB1(tmp_path / "influxdb"))


@pytest.fixture(scope="session")
def influxdb1_session(tmp_path_factory) -> Iterator[InfluxDB1]:
    yield from _running(InfluxDB1(tmp_path_factory.mktemp("influxdb")))
