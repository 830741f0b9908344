"""The writer runs in a process of its own (``python -m itops.collector.outputs.influxdb.writer_process``), at a
lower CPU priority than the collector.

Why not a thread: making line protocol is Python work, about a microsecond a sample; in the collector's process it
competes for the interpreter lock with ingest, and measured against VictoriaMetrics on 2 cores it took ingest down
to less than half of its rate (BENCHMARKS.md, "InfluxDB output"). In a process of its own, at SCHED_IDLE, it takes CPU the
agents' acks leave over: under full load the outbox grows, and drains as soon as ingest leaves room.

The collector starts it with one line of JSON on its stdin (the output's config, its name, the log level), keeps
its stdin open, and reads its stdout: one JSON event per line, which it turns into the output's metrics
(``["written", n]``, ``["dropped", reason, n]``, ``["failed", reason]``, ``["up", 0|1]``, ``["duration", s]``).
The writer stops when its stdin closes (the collector stopping, or dying) or on SIGTERM, finishing the write in
progress; it logs to the collector's stderr. The collector restarts a writer that died.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

import msgspec

from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.influxdb.endpoint import WriteEndpoint
from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_ESCAPED, BACKSLASH_KEPT, LineEncoder
from itops.collector.outputs.influxdb.outbox import Outbox
from itops.collector.outputs.influxdb.writer import Backoff, OutboxWriter
from itops.collector.outputs.metrics import DropReason, FailureReason, OutputSeries
from itops.common.command_line import setup_logging
from itops.common.yaml_config import ByteSize, Duration, load_text
from itops.series_key import parse_series_key

__all__ = ["WriterProcess"]

log = logging.getLogger("itops.collector.outputs.influxdb")

RESTART_DELAY_S = 1.0
STOP_GRACE_S = 5.0


class Settings(msgspec.Struct):
    name: str
    config: dict  # InfluxDBConfig as builtins
    log_level: str


class WriterProcess:
    """The collector's side: starts the writer, turns its events into metrics, restarts it if it dies."""

    def __init__(self, config: InfluxDBConfig, series: OutputSeries):
        as_builtins = msgspec.to_builtins(config, enc_hook=_plain_number)
        self._settings = msgspec.json.encode(Settings(config.output_name, as_builtins,
                                                      logging.getLevelName(logging.getLogger().getEffectiveLevel())))
        self._config = config
        self._apply = _event_handlers(series)
        self._stopping = threading.Event()
        self._process: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._reader = threading.Thread(target=self._read_events, name=f"output {self._config.output_name} events",
                                        daemon=True)
        self._reader.start()

    def stop(self) -> None:
        """Close the writer's stdin and wait for it to finish its write in progress (killed past its timeout)."""
        self._stopping.set()
        process = self._process
        process.stdin.close()
        try:
            process.wait(self._config.timeout + STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._reader.join()

    def _spawn(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        self._process.stdin.write(self._settings + b"\n")
        self._process.stdin.flush()

    def _read_events(self) -> None:
        while True:
            for line in self._process.stdout:
                kind, *arguments = json.loads(line)
                self._apply[kind](*arguments)
            code = self._process.wait()
            if self._stopping.wait(RESTART_DELAY_S):
                return
            log.error("the writer of output %s exited with %s; starting it again", self._config.output_name, code)
            self._spawn()


def _plain_number(value: object) -> int | float:
    """Durations and sizes as the numbers of seconds and bytes they are."""
    if isinstance(value, ByteSize):
        return int(value)
    if isinstance(value, Duration):
        return float(value)
    raise TypeError(f"cannot pass a {type(value).__name__} to the writer")


def _event_handlers(series: OutputSeries) -> dict[str, Callable[..., None]]:
    return {"written": series.written, "up": series.up, "duration": series.write_duration,
            "dropped": lambda reason, count: series.dropped[DropReason(reason)](count),
            "failed": lambda reason: series.failed[FailureReason(reason)](1)}


def _event_series(out: IO[str]) -> OutputSeries:
    """The writer's metrics as events on ``out``, for the collector to count."""
    def emit(*event) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()
    return OutputSeries(
        written=lambda count: emit("written", count),
        dropped={reason: (lambda count, reason=reason: emit("dropped", reason.value, count)) for reason in DropReason},
        failed={reason: (lambda _one, reason=reason: emit("failed", reason.value)) for reason in FailureReason},
        up=lambda value: emit("up", value),
        write_duration=lambda seconds: emit("duration", seconds))


def line_encoder(config: InfluxDBConfig) -> LineEncoder:
    dialect = BACKSLASH_ESCAPED if config.api == "v2" else BACKSLASH_KEPT
    if config.schema != "telegraf":
        return LineEncoder(parse_series_key, config.extra_tags, dialect)
    from itops.collector.outputs.influxdb.telegraf_schema import TELEGRAF_SOURCE_METRICS, telegraf_lines
    return LineEncoder(parse_series_key, config.extra_tags, dialect, telegraf_lines, TELEGRAF_SOURCE_METRICS)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the collector too, which closes our stdin
    settings = msgspec.json.decode(sys.stdin.buffer.readline(), type=Settings)
    setup_logging(settings.log_level)
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # only CPU time the collector leaves over
    config = load_text(json.dumps(settings.config), InfluxDBConfig, f"output {settings.name}")
    outbox = Outbox(config.outbox, settings.name, config.outbox_limit)
    outbox.release_all()
    endpoint = WriteEndpoint(config, time.time)
    writer = OutboxWriter(settings.name, outbox, line_encoder(config), endpoint.write, _event_series(sys.stdout),
                          config.batch_lines, config.batch_interval, Backoff(config.retry_initial, config.retry_max))
    signal.signal(signal.SIGTERM, lambda _signum, _frame: writer.stop())
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), writer.stop()), daemon=True).start()
    try:
        writer.run()
    finally:
        endpoint.close()
        outbox.close()


if __name__ == "__main__":
    main()
