"""The real collector app (gRPC and HTTP on 127.0.0.1) in this process, on its own event loop in a thread, with
a clock the test sets: blocking clients (urllib, the `itops` CLI, a browser) call it while it runs on the
test's time, not the real time of day."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from itops.collector.ingest.agent_credentials import token_sha256
from itops.collector.config import CollectorConfig
from itops.collector.server import Collector
from itops.common.yaml_config import load_text

__all__ = ["ADMIN_TOKEN", "ClockedCollector", "SetClock"]

ADMIN_TOKEN = "clocked-collector-admin-token"


class SetClock:
    """A clock that says what the test last set (an aware UTC datetime), plus the time elapsed since by the
    monotonic clock (so waits still end)."""

    def __init__(self, start: datetime):
        self.set(start)

    def set(self, at: datetime) -> None:
        self._at, self._set_at = at, time.monotonic()

    def __call__(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._set_at)


class ClockedCollector:
    def __init__(self, workdir: Path, clock: SetClock, agents: dict[str, str] | None = None, extra_config: str = ""):
        agent_lines = "".join(f"  - id: {agent_id}\n    token_sha256: {token_sha256(token)}\n"
                              for agent_id, token in (agents or {}).items())
        config = load_text(
            f"data_dir: {workdir / 'state'}\n"
            "grpc: {listen: '127.0.0.1:0', insecure: true}\nhttp: {listen: '127.0.0.1:0'}\n"
            f"storage: {{type: sqlite, path: {workdir / 'tsdb'}}}\n"
            f"admin_tokens:\n  - name: root\n    token_sha256: {token_sha256(ADMIN_TOKEN)}\n"
            + (f"agents:\n{agent_lines}" if agent_lines else "") + extra_config,
            CollectorConfig, str(workdir / "collector.yaml"))
        self.workdir = workdir
        self.clock = clock
        self.collector = Collector(config, clock=clock)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> ClockedCollector:
        self._thread.start()
        self.call(self.collector.start())
        return self

    def call(self, coroutine, timeout_s: float = 60.0):
        """Run ``coroutine`` on the collector's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def stop(self) -> None:
        self.call(self.collector.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def http_url(self) -> str:
        return f"http://{self.collector.http_address}"

    @property
    def grpc_address(self) -> str:
        return self.collector.grpc_address


