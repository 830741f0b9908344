"""The running agent: inputs on their schedules → pending batch → disk buffer → sender."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import grpc
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from itops.agent.batcher import GatherResult, PendingBatch
from itops.agent.buffer import DiskBuffer
from itops.agent.central import fetch_assigned_inputs, parse_assigned_inputs
from itops.agent.checks import CheckMessage, CheckStatus, MessagePart, report_check
from itops.agent.config import AgentConfig
from itops.agent.identity import AgentIdentity
from itops.agent.inputs import INPUTS
from itops.agent.runner import InputRunner
from itops.agent.self_metrics import gather_self_metrics
from itops.agent.sender import Backoff, Sender
from itops.common.clock import EpochClock, unix_ms, utc_datetime
from itops.common.yaml_config import ConfigError

__all__ = ["Agent", "build_runners", "close_inputs"]

log = logging.getLogger("itops.agent")

SHUTDOWN_GATHER_GRACE_S = 5.0
GATHER_THREADS_MAX = 64
RENEWAL_CHECK_PERIOD_S = 12 * 3600
CENTRAL_REJECTED = CheckMessage("central_config.rejected", "version {version} rejected, still running version {running}: {error}")
CENTRAL_APPLIED = CheckMessage("central_config.applied", "version {version} applied: {count} inputs ({names})")


def build_runners(config: AgentConfig, input_configs: list, executor, deliver, clock: EpochClock) -> list[InputRunner]:
    labels = config.resolved_labels()
    runners = []
    for input_config in input_configs:
        input_type = input_config.__struct_config__.tag
        instance = INPUTS.implementation_class(input_type)(input_config, clock=clock)
        interval = input_config.interval or config.interval
        runners.append(InputRunner(
            instance,
            instance_name=input_config.name or input_type,
            timeout_s=input_config.timeout or interval,
            extra_labels={**labels, **input_config.labels},
            executor=executor,
            deliver=deliver,
        ))
    return runners


class Agent:
    def __init__(self, config: AgentConfig, *, clock: EpochClock, renew_command: list[str] | None = None):
        """``renew_command``: started twice a day while the agent has a certificate, to renew it when due."""
        self.config = config
        self.clock = clock
        self.renew_command = renew_command
        buffer_dir = config.buffer.path if config.buffer.enabled else None
        self.buffer = DiskBuffer(buffer_dir, config.buffer.limit, clock=clock)
        backoff = Backoff(config.collector.backoff_initial, config.collector.backoff_max)
        self.sender = Sender(AgentIdentity.from_config(config), self.buffer, backoff)
        self.pending = PendingBatch()
        # Threads start only when needed; the bound leaves room for centrally assigned inputs.
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=GATHER_THREADS_MAX, thread_name_prefix="gather")
        self.runners = build_runners(config, config.inputs, self.executor, self.accept, clock)
        self.central_runners: list[InputRunner] = []
        self.central_version = ""
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._stopping = False
        self._flush_handle: asyncio.TimerHandle | None = None

    def accept(self, result: GatherResult) -> None:
        """A gather that fits in a batch goes whole into one: the collector's outputs derive some values (Telegraf's
        mem ``used``) from several samples of one gather. A gather larger than a batch is split across batches;
        none exceeds what the collector takes."""
        limit = self.batch_sample_limit()
        samples, start = result.samples, 0
        if self.pending.sample_count + len(samples) > limit >= len(samples):
            self.flush()
        while len(samples) - start > limit - self.pending.sample_count:
            room = limit - self.pending.sample_count
            self.pending.add_samples(samples[start:start + room])
            start += room
            self.flush()
        self.pending.add_samples(samples[start:])
        self.pending.add_records(result)
        if self.pending.sample_count >= limit:
            self.flush()
        elif self._flush_handle is None and not self.pending.empty:
            self._flush_handle = asyncio.get_running_loop().call_later(self.config.batch.max_age, self.flush)

    def batch_sample_limit(self) -> int:
        """``batch.max_samples``, lowered to the collector's ``max_batch_samples`` once its Hello said it."""
        collector_limit = self.sender.collector_max_batch_samples
        return min(self.config.batch.max_samples, collector_limit or self.config.batch.max_samples)

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self.pending.empty:
            return
        samples = self.pending.sample_count
        sequence = self.buffer.next_sequence()
        now_ms = unix_ms(self.clock)
        payload = self.pending.seal(sequence, now_ms).SerializeToString()
        self.buffer.append(sequence, payload, samples, now_ms)
        log.debug("batch %d sealed (%d samples)", sequence, samples)
        self.sender.notify_live(sequence)

    async def report_self(self) -> None:
        result = GatherResult(self.config.resolved_labels(), self.clock)
        healths = [runner.health for runner in self.runners + self.central_runners]
        gather_self_metrics(result, healths, self.buffer.stats(), self.sender.counters, self.pending.invalid_samples_total)
        self.accept(result)

    async def _run_job(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Every scheduled job: the scheduler's shutdown cancels one still running, which is then its end and
        not a failure (APScheduler would log it as an ERROR with a traceback)."""
        try:
            await job()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("%s was still running when the agent stopped", name)

    def _add_job(self, name: str, job: Callable[[], Awaitable[None]], interval_s: float, **options) -> None:
        self.scheduler.add_job(self._run_job, "interval", [name, job], id=name, name=name, seconds=interval_s,
                               max_instances=1, coalesce=True, misfire_grace_time=None, **options)

    def _schedule_input(self, runner: InputRunner) -> None:
        interval = runner.input.config.interval or self.config.interval
        self._add_job(runner.health.name, runner.run_once, interval, jitter=self.config.jitter,
                      next_run_time=_soon(self.clock))

    def _schedule(self) -> None:
        for runner in self.runners:
            self._schedule_input(runner)
        self._add_job("self_metrics", self.report_self, self.config.interval)
        if self.renew_command is not None:
            self._add_job("certificate_renewal", self.renew_certificate_if_due, RENEWAL_CHECK_PERIOD_S,
                          next_run_time=_soon(self.clock))
        if self.config.central_config.enabled:
            self._add_job("central_config", self.refresh_central_inputs,
                          self.config.central_config.interval, next_run_time=_soon(self.clock))

    async def renew_certificate_if_due(self) -> None:
        """In a process of its own, which alone loads the crypto library; its output goes to the agent's log."""
        if not self.config.enrolled():
            return
        process = await asyncio.create_subprocess_exec(*self.renew_command, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
        text = output.decode(errors="replace").strip()
        if process.returncode:
            log.error("certificate renewal failed (exit %s): %s", process.returncode, text)
        else:
            log.info("certificate renewal: %s", text)

    async def refresh_central_inputs(self) -> None:
        """Ask the collector for this agent's assigned inputs; swap them in when they changed."""
        try:
            reply = await asyncio.to_thread(fetch_assigned_inputs, self.sender.identity, self.central_version)
        except grpc.RpcError as exc:
            log.warning("cannot fetch assigned inputs: %s: %s; keeping version %r", exc.code().name, exc.details(),
                        self.central_version)
            return
        if reply.unchanged:
            return
        local_names = frozenset(runner.health.name for runner in self.runners)
        try:
            input_configs = parse_assigned_inputs(reply, local_names)
        except ConfigError as exc:
            self._report_central(CheckStatus.CRITICAL, CENTRAL_REJECTED(
                version=reply.version, running=self.central_version or "(none)", error=exc))
            return
        await self._replace_central_runners(input_configs)
        self.central_version = reply.version
        names = ", ".join(runner.health.name for runner in self.central_runners) or "none"
        self._report_central(CheckStatus.OK, CENTRAL_APPLIED(version=reply.version, count=len(self.central_runners),
                                                             names=names))

    async def _replace_central_runners(self, input_configs: list) -> None:
        for runner in self.central_runners:
            self.scheduler.remove_job(runner.health.name)
        await close_inputs(self.central_runners)
        self.central_runners = build_runners(self.config, input_configs, self.executor, self.accept, self.clock)
        for runner in self.central_runners:
            self._schedule_input(runner)

    def _report_central(self, status: CheckStatus, message: MessagePart) -> None:
        (log.info if status is CheckStatus.OK else log.error)("central config: %s", message.text)
        result = GatherResult(self.config.resolved_labels(), self.clock)
        report_check(result, "central_config", self.sender.identity.agent_id, status, message)
        self.accept(result)

    async def run(self, stop_requested: Callable[[], bool] = lambda: False) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        _on_stop_signals(loop, stop.set)
        if stop_requested():
            stop.set()
        self._schedule()
        self.scheduler.start()
        sender_task = asyncio.create_task(self.sender.run(), name="sender")
        log.info("agent %s started: %d inputs, collector %s", self.sender.identity.agent_id,
                 len(self.runners), self.config.collector.address)
        done, _ = await asyncio.wait({sender_task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
        await self._shutdown(self.scheduler, sender_task)
        if sender_task in done and sender_task.exception():
            raise sender_task.exception()

    async def _shutdown(self, scheduler: AsyncIOScheduler, sender_task: asyncio.Task) -> None:
        self._stopping = True
        scheduler.pause()  # no new runs; those running may still finish
        all_runners = self.runners + self.central_runners
        running = {runner.current_run for runner in all_runners if runner.current_run is not None}
        if running:  # a gather that finishes now still reaches the buffer
            await asyncio.wait(running, timeout=SHUTDOWN_GATHER_GRACE_S)
        scheduler.shutdown(wait=False)  # cancels the jobs still running: see _run_job
        self.flush()  # whatever was gathered is in the buffer before we exit
        sender_task.cancel()
        await asyncio.gather(sender_task, return_exceptions=True)
        await close_inputs(all_runners)
        self.executor.shutdown(wait=False, cancel_futures=True)
        buffered = self.buffer.stats().batches
        self.buffer.close()
        log.info("agent stopped; %d batches buffered for the next start", buffered)


async def close_inputs(runners: list[InputRunner]) -> None:
    """Each once its gather has returned, in a worker thread like gather: an input may block or run an
    event loop of its own to close."""
    await asyncio.gather(*(runner.close() for runner in runners))


def _soon(clock: EpochClock) -> datetime:
    """First gather within a second of start, spread so inputs don't all start at once. (APScheduler
    reads the system clock itself; the agent's clock is that clock outside tests.)"""
    return utc_datetime(clock) + timedelta(seconds=random.uniform(0, 1))


def _on_stop_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call ``stop`` on the loop. Windows' event loops take no signal handlers: there the
    service wrapper's Ctrl-C (SIGINT) reaches a plain handler, which hands it to the loop."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop)
        except NotImplementedError:
            signal.signal(signum, lambda _signum, _frame: loop.call_soon_threadsafe(stop))
