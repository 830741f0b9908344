"""Real collector and agent processes on 127.0.0.1 with ephemeral ports."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from itops.common.clock import utc_now
from itops.collector.ingest.agent_credentials import new_token, token_sha256
from itops.collector.ingest.tls import write_ca_and_server_certificate

BIN = Path(sys.executable).parent
READY_RE = re.compile(r"^itops-collector ready grpc=(\S+) http=(\S+)(?: mtls=(\S+))?$")


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tls")
    write_ca_and_server_certificate(str(directory), ["localhost", "127.0.0.1"], utc_now())
    return directory


class CollectorProcess:
    def __init__(self, workdir: Path, tls_dir: Path, agent_tokens: dict[str, str], extra_config: str = "",
                 extra_grpc_config: str = "", extra_enrollment_config: str = ""):
        self.workdir = workdir
        self.tls_dir = tls_dir
        self.agent_tokens = agent_tokens
        self.extra_config = extra_config
        self.extra_grpc_config = extra_grpc_config
        self.extra_enrollment_config = extra_enrollment_config
        self.grpc_port = 0
        self.http_port = 0
        self.mtls_port: int | None = 0
        self.process: subprocess.Popen | None = None
        self.log_path = workdir / "collector.log"

    def _write_config(self) -> Path:
        agents = "".join(f"  - id: {agent_id}\n    token_sha256: {token_sha256(token)}\n"
                         for agent_id, token in self.agent_tokens.items())
        path = self.workdir / "collector.yaml"
        path.write_text(
            f"data_dir: {self.workdir / 'state'}\n"
            f"grpc:\n  listen: 127.0.0.1:{self.grpc_port}\n"
            f"  tls_cert_file: {self.tls_dir / 'server.pem'}\n  tls_key_file: {self.tls_dir / 'server-key.pem'}\n"
            f"{self.extra_grpc_config}"
            f"http:\n  listen: 127.0.0.1:{self.http_port}\n"
            f"enrollment:\n  mtls_listen: 127.0.0.1:{self.mtls_port or 0}\n{self.extra_enrollment_config}"
            f"storage:\n  type: sqlite\n  path: {self.workdir / 'tsdb'}\n"
            f"agents:{chr(10) + agents if agents else ' []' + chr(10)}{self.extra_config}"
        )
        return path

    def start(self) -> "CollectorProcess":
        config = self._write_config()
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([BIN / "itops-collector", "run", "-c", config], stdout=subprocess.PIPE,
                                        stderr=log, text=True)
        line = self.process.stdout.readline().strip()
        match = READY_RE.match(line)
        if not match:
            self.process.wait(10)
            raise RuntimeError(f"collector did not start: {line!r}\n{self.log_path.read_text()[-3000:]}")
        self.grpc_port = int(match.group(1).rsplit(":", 1)[1])
        self.http_port = int(match.group(2).rsplit(":", 1)[1])
        self.mtls_port = int(match.group(3).rsplit(":", 1)[1]) if match.group(3) else None
        return self

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def get(self, path: str, params: list[tuple[str, str]] | None = None) -> dict:
        url = self.http_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def metrics_text(self) -> str:
        with urllib.request.urlopen(self.http_url + "/metrics", timeout=10) as response:
            return response.read().decode()


class AgentProcess:
    def __init__(self, workdir: Path, tls_dir: Path, agent_id: str, token: str, collector_address: str,
                 interval_s: float = 1.0, buffer_limit: str = "64MiB", extra_config: str = "", extra_inputs: str = "",
                 log_level: str = "debug", mtls_address: str | None = None):
        self.workdir = workdir
        self.log_level = log_level
        self.log_path = workdir / f"{agent_id}.log"
        self.config_path = workdir / f"{agent_id}.yaml"
        self.buffer_path = workdir / f"{agent_id}-buffer"
        token_file = workdir / f"{agent_id}.token"
        token_file.write_text(token)
        self.config_path.write_text(
            f"agent_id: {agent_id}\nhostname: {agent_id}-host\n"
            f"collector:\n  address: {collector_address}\n  ca_file: {tls_dir / 'ca.pem'}\n"
            f"  server_name: localhost\n  token_file: {token_file}\n  timeout: 5s\n"
            f"  backoff_initial: 0.2s\n  backoff_max: 2s\n"
            + (f"  mtls_address: {mtls_address}\n" if mtls_address else "") +
            f"buffer:\n  path: {self.buffer_path}\n  limit: {buffer_limit}\n"
            f"interval: {interval_s}s\njitter: 0s\nbatch:\n  max_age: 0.5s\n{extra_config}"
            f"inputs:\n  - type: host\n{extra_inputs}"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> "AgentProcess":
        starts_before = self._starts()
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([BIN / "itops-agent", "run", "-c", self.config_path, "--log-level", self.log_level],
                                        stdout=log, stderr=log)
        wait_until(lambda: self._starts() > starts_before, 30, "the agent to start")
        return self

    def _starts(self) -> int:
        return self.log_text().count(" started: ") if self.log_path.exists() else 0

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def log_text(self) -> str:
        return self.log_path.read_text()

    def acked_batches(self) -> dict[int, int]:
        """sequence → samples of every batch the collector acknowledged, from the agent's debug log."""
        return {int(seq): int(n) for seq, n in re.findall(r"batch (\d+) acknowledged \((\d+) samples", self.log_text())}

    def sealed_batches(self) -> dict[int, int]:
        return {int(seq): int(n) for seq, n in re.findall(r"batch (\d+) sealed \((\d+) samples", self.log_text())}


@pytest.fixture
def agent_token() -> str:
    return new_token()


@pytest.fixture
def collector(tmp_path, tls_dir, agent_token):
    process = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}).start()
    yield process
    if process.process.poll() is None:
        process.process.kill()


@pytest.fixture
def make_agent(tmp_path, tls_dir, agent_token, collector):
    started: list[AgentProcess] = []

    def make(**options) -> AgentProcess:
        agent = AgentProcess(tmp_path, tls_dir, "agent-a", agent_token, collector.grpc_address, **options)
        started.append(agent)
        return agent

    yield make
    for agent in started:
        if agent.process and agent.process.poll() is None:
            agent.process.kill()


def wait_until(condition, timeout_s: float, what: str, interval_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except (OSError, ValueError, KeyError, IndexError) as exc:
            last_error = exc
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what} (last error: {last_error})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raw_points(collector: CollectorProcess, metric: str, since: str = "10m") -> list[tuple[int, float]]:
    """Every stored sample of one series at 1 ms resolution (each bucket holds at most one sample)."""
    result = collector.get("/api/v1/points", [("name", metric), ("since", since), ("step", "1ms"), ("aggregation", "last")])
    assert len(result["series"]) == 1, result["series"]
    return [(t, v) for t, v in result["series"][0]["points"]]


os.environ.setdefault("PYTHONUNBUFFERED", "1")
