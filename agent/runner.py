"""Runs each input on its own schedule; owns failure so inputs only own meaning.

A gather runs in a worker thread under a timeout. An input that raises is counted and reported; one
that hangs is reported as timed out and not started again until its stuck gather returns (a thread
cannot be killed), so it can never eat the worker pool or delay the other inputs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Callable

from itops.agent.batcher import GatherResult
from itops.agent.inputs.base import Input

__all__ = ["InputHealth", "InputRunner", "redact"]

log = logging.getLogger("itops.agent.runner")

_SECRET_RE = re.compile(r"(?i)(password|passwd|secret|token|community|auth_key|priv_key)(\s*[=:]\s*)\S+")


def redact(message: str) -> str:
    """Strip secrets an exception message may carry (e.g. a URL or connection string with a password)."""
    return _SECRET_RE.sub(r"\1\2<redacted>", message)


@dataclass
class InputHealth:
    name: str
    up: bool = True
    running: bool = False
    gathers_total: int = 0
    errors_total: int = 0
    timeouts_total: int = 0
    skipped_total: int = 0
    last_duration_s: float = 0.0
    last_error: str = ""
    hung_since: float | None = field(default=None)  # the input's wall clock, seconds since the epoch


class InputRunner:
    def __init__(
        self,
        input_: Input,
        instance_name: str,
        timeout_s: float,
        extra_labels: dict[str, str],
        executor: concurrent.futures.Executor,
        deliver: Callable[[GatherResult], None],
    ):
        self.input = input_
        self.timeout_s = timeout_s
        self.extra_labels = extra_labels
        self.executor = executor
        self.deliver = deliver
        self.health = InputHealth(instance_name)
        self.current_run: asyncio.Task | None = None
        self._gather_thread: asyncio.Future | None = None  # the latest gather's worker-thread call

    async def run_once(self) -> None:
        if self.health.running:
            self.health.skipped_total += 1
            return
        self.current_run = asyncio.current_task()
        try:
            await self._gather_once()
        finally:
            self.current_run = None

    async def _gather_once(self) -> None:
        result = GatherResult(self.extra_labels, self.input.clock)
        self.health.running = True
        started = time.monotonic()
        future = asyncio.get_running_loop().run_in_executor(self.executor, self.input.gather, result)
        future.add_done_callback(self._on_thread_done)
        self._gather_thread = future
        try:
            await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
        except asyncio.TimeoutError:
            self._record_timeout()
            return
        except Exception as exc:  # noqa: BLE001 - any input failure is the input's health, not the agent's
            self._record_error(exc)
            return
        finally:
            self.health.last_duration_s = time.monotonic() - started
        self._record_success()
        log.debug("input %s gathered %d samples in %.3fs", self.health.name, len(result.samples), self.health.last_duration_s)
        self.deliver(result)

    async def close(self) -> None:
        """Close the input in a worker thread once its gather has returned: closing under a running gather
        breaks an input that keeps state for it (the SNMP poller's event loop), and the process cannot end
        before that thread anyway."""
        if self._gather_thread is not None and not self._gather_thread.done():
            log.info("input %s: closing it once its gather returns", self.health.name)
            await asyncio.wait({self._gather_thread})
        await asyncio.to_thread(self.input.close)

    def _on_thread_done(self, _future: asyncio.Future) -> None:
        self.health.running = False
        self.health.hung_since = None

    def _record_success(self) -> None:
        self.health.up = True
        self.health.gathers_total += 1
        self.health.last_error = ""

    def _record_error(self, exc: Exception) -> None:
        self.health.up = False
        self.health.gathers_total += 1
        self.health.errors_total += 1
        self.health.last_error = redact(f"{type(exc).__name__}: {exc}")
        log.warning("input %s failed: %s", self.health.name, self.health.last_error)

    def _record_timeout(self) -> None:
        self.health.up = False
        self.health.gathers_total += 1
        self.health.timeouts_total += 1
        self.health.hung_since = self.input.clock()
        self.health.last_error = f"gather did not finish within {self.timeout_s:g}s"
        log.warning("input %s: %s", self.health.name, self.health.last_error)
