"""The ``attendance_clock`` input: reachability, clock drift, storage and identity of ZKTeco-style clocks.

Each clock is read in one ZK session (CONNECT, a few queries, EXIT), all clocks at once in threads.
When the protocol fails, a TCP connect to the same port tells a clock that is on the network but not
answering the protocol (hung firmware, another service on the port) from one that cannot be reached.
"""

from __future__ import annotations

import enum
import functools
import math
import socket
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from itops.agent.checks import ENGLISH_FORMATS, CheckMessage, CheckStatus, MessagePart, worst_status
from itops.agent.inputs.attendance_clock.config import (
    AttendanceClockConfig,
    ClockConfig,
)
from itops.agent.inputs.attendance_clock.zk_client import CommKeyRefused, ZKClient
from itops.agent.inputs.attendance_clock.zk_protocol import FreeSizes, ProtocolError
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.target_check import TargetCheck, Verdict
from itops.common.clock import EpochClock, epoch_now
from itops.entities import CLOCK_LABEL

__all__ = ["AttendanceClockInput", "ClockState"]

MAX_PARALLEL_CLOCKS = 8
# Name in messages and metrics → (count field, capacity field) of FreeSizes.
_STORES = {
    "records": ("records", "records_capacity"),
    "users": ("users", "users_capacity"),
    "fingerprints": ("fingerprints", "fingerprints_capacity"),
    "faces": ("faces", "faces_capacity"),
}
_STORE_WORDS = {"records": "attendance record", "users": "user", "fingerprints": "fingerprint", "faces": "face"}
ENGLISH_FORMATS["clock_store"] = _STORE_WORDS.__getitem__
OFFLINE = CheckMessage("attendance_clock.offline", "offline: cannot reach {where}")
NOT_ZK = CheckMessage("attendance_clock.not_zk",
                      "answers on port {port} but not as an attendance clock; its software may have hung")
PROTOCOL_ERROR = CheckMessage("attendance_clock.protocol_error", "{error}")
COMM_KEY_REFUSED = CheckMessage("attendance_clock.comm_key_refused",
                                "online, but refused comm key {comm_key}: set the clock's Comm Key in the config")
NO_ANSWER = CheckMessage("attendance_clock.no_answer", "no answer within {timeout_s:g} s")
REFUSED = CheckMessage("attendance_clock.refused", "connection refused, the port is closed")
SOCKET_ERROR = CheckMessage("attendance_clock.socket_error", "{error}")
PORT_NO_ANSWER = CheckMessage("attendance_clock.port_no_answer", "TCP port {port}: no answer within {timeout_s:g} s")
PORT_REFUSED = CheckMessage("attendance_clock.port_refused", "TCP port {port}: connection refused, the port is closed")
PORT_ERROR = CheckMessage("attendance_clock.port_error", "TCP port {port}: {error}")
ONLINE = CheckMessage("attendance_clock.online", "online")
DRIFT_CORRECTED = CheckMessage("attendance_clock.drift_corrected", "clock was {drift_s:offset}, set it to the agent's time")
DRIFT_OVER_LIMIT = CheckMessage("attendance_clock.drift_over_limit",
                                "clock is {drift_s:offset} (more than {limit_s:g} s off)")
DRIFT = CheckMessage("attendance_clock.drift", "clock {drift_s:offset}")
STORAGE = CheckMessage("attendance_clock.storage", "{store:clock_store} storage {percent}% full ({count} of {capacity})")
STORAGE_FULL = CheckMessage("attendance_clock.storage_full",
                            "{store:clock_store} storage {percent}% full ({count} of {capacity}), "
                            "new entries are refused or overwrite old ones")


class ClockState(enum.Enum):
    ONLINE = "online"
    COMM_KEY_REFUSED = "comm_key_refused"
    NOT_SPEAKING_ZK = "not_speaking_zk"
    UNREACHABLE = "unreachable"


@dataclass
class ClockReading:
    state: ClockState
    problem: tuple[MessagePart, ...] = ()  # why it is not online
    response_time_s: float = 0.0
    drift_s: float = 0.0
    corrected: bool = False
    sizes: FreeSizes | None = None
    info: dict[str, str] = field(default_factory=dict)


class AttendanceClockInput(TargetCheck[AttendanceClockConfig, ClockConfig, ClockReading]):
    parallel_targets = MAX_PARALLEL_CLOCKS

    def __init__(self, config: AttendanceClockConfig, clock: EpochClock = epoch_now):
        super().__init__(config, clock)
        self._corrections = {c.name: 0 for c in config.clocks}

    def targets(self) -> list[ClockConfig]:
        return self.config.clocks

    def target_name(self, clock_config: ClockConfig) -> str:
        return clock_config.name

    def check_labels(self, clock_config: ClockConfig) -> dict[str, str]:
        return {"address": clock_config.address, **clock_config.asset_labels()}

    def probe(self, clock_config: ClockConfig) -> ClockReading:
        return read_clock(clock_config, self.config.correct_drift_above, self.clock)

    def judge(self, acc: Accumulator, clock_config: ClockConfig, reading: ClockReading, duration_s: float) -> Verdict:
        self._corrections[clock_config.name] += reading.corrected
        labels = {CLOCK_LABEL: clock_config.name, **self.check_labels(clock_config)}
        sample = functools.partial(acc.add_sample, labels=labels)
        sample("itops_attendance_clock_up", float(reading.state is ClockState.ONLINE))
        sample("itops_attendance_clock_reachable", float(reading.state is not ClockState.UNREACHABLE))
        sample("itops_attendance_clock_time_corrections_total", self._corrections[clock_config.name])
        if reading.state is ClockState.ONLINE:
            _report_online(sample, labels, reading)
        return self._verdict(clock_config, reading)

    def _verdict(self, clock_config: ClockConfig, reading: ClockReading) -> tuple[CheckStatus, list[MessagePart]]:
        where = f"{clock_config.address}:{clock_config.port}/{clock_config.protocol}"
        if reading.state is ClockState.UNREACHABLE:
            return CheckStatus.CRITICAL, [OFFLINE(where=where), *reading.problem]
        if reading.state is ClockState.NOT_SPEAKING_ZK:
            return CheckStatus.CRITICAL, [NOT_ZK(port=clock_config.port), *reading.problem]
        if reading.state is ClockState.COMM_KEY_REFUSED:
            return CheckStatus.WARNING, [COMM_KEY_REFUSED(comm_key=clock_config.comm_key)]
        findings = [self._drift_finding(reading), *self._storage_findings(reading.sizes)]
        worst = worst_status(status for status, _ in findings)
        return worst, [ONLINE(), *(part for _, part in findings)]

    def _drift_finding(self, reading: ClockReading) -> tuple[CheckStatus, MessagePart]:
        if reading.corrected:
            return CheckStatus.WARNING, DRIFT_CORRECTED(drift_s=reading.drift_s)
        if abs(reading.drift_s) > self.config.drift_warning:
            return CheckStatus.WARNING, DRIFT_OVER_LIMIT(drift_s=reading.drift_s, limit_s=self.config.drift_warning)
        return CheckStatus.OK, DRIFT(drift_s=reading.drift_s)

    def _storage_findings(self, sizes: FreeSizes) -> list[tuple[CheckStatus, MessagePart]]:
        findings = []
        for store, (count, capacity) in _usage(sizes).items():
            ratio = count / capacity
            # Rounded down: a store 99.6 % full must not read "100% full" while new entries still fit.
            usage = {"store": store, "percent": count * 100 // capacity, "count": count, "capacity": capacity}
            if ratio >= 1:
                findings.append((CheckStatus.CRITICAL, STORAGE_FULL(**usage)))
            elif ratio >= self.config.storage_warning_ratio:
                findings.append((CheckStatus.WARNING, STORAGE(**usage)))
            elif store == "records":
                findings.append((CheckStatus.OK, STORAGE(**usage)))
        return findings


def read_clock(clock_config: ClockConfig, correct_drift_above: float | None, now: Callable[[], float]) -> ClockReading:
    """One ZK session with the clock; on failure, what a plain connect to its port says."""
    try:
        with ZKClient(clock_config.address, clock_config.port, clock_config.protocol, clock_config.timeout) as client:
            return _read_session(client, clock_config, correct_drift_above, now)
    except CommKeyRefused:
        return ClockReading(ClockState.COMM_KEY_REFUSED)
    except ProtocolError as exc:
        return ClockReading(ClockState.NOT_SPEAKING_ZK, (PROTOCOL_ERROR(error=exc),))
    except OSError as exc:
        protocol_problem = _socket_problem(exc, clock_config)
    port_problem = _tcp_port_problem(clock_config)
    if port_problem is None:
        return ClockReading(ClockState.NOT_SPEAKING_ZK, (protocol_problem,))
    return ClockReading(ClockState.UNREACHABLE, (protocol_problem, port_problem))


def _read_session(client: ZKClient, clock_config: ClockConfig, correct_drift_above: float | None,
                  now: Callable[[], float]) -> ClockReading:
    started = time.perf_counter()
    client.connect(clock_config.comm_key)
    reading = ClockReading(ClockState.ONLINE, response_time_s=time.perf_counter() - started)
    reading.info = {
        "serial_number": client.option("~SerialNumber"),
        "model": client.option("~DeviceName"),
        "platform": client.option("~Platform"),
        "firmware": client.firmware_version(),
    }
    reading.sizes = client.free_sizes()
    zone = zoneinfo.ZoneInfo(clock_config.timezone) if clock_config.timezone else None
    asked_at = now()
    device_wall = client.device_time()
    # The device's clock shows whole seconds, so it is compared with the whole second of the agent's clock
    # halfway through the round trip: a clock in time then reads 0, not 0.4 or -0.6.
    reading.drift_s = _epoch(device_wall, zone) - math.floor((asked_at + now()) / 2)
    if correct_drift_above is not None and abs(reading.drift_s) > correct_drift_above:
        client.set_device_time(datetime.fromtimestamp(round(now()), zone).replace(tzinfo=None))
        reading.corrected = True
    return reading


def _epoch(wall: datetime, zone: tzinfo | None) -> float:
    """Seconds since the epoch of a wall time in ``zone`` (the local zone when None)."""
    return wall.replace(tzinfo=zone).timestamp()


def _socket_problem(exc: OSError, clock_config: ClockConfig) -> MessagePart:
    if isinstance(exc, TimeoutError):
        return NO_ANSWER(timeout_s=clock_config.timeout)
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED()
    return SOCKET_ERROR(error=exc.strerror or exc)


def _tcp_port_problem(clock_config: ClockConfig) -> MessagePart | None:
    """Why a TCP connection to the clock's port fails, or None when it succeeds."""
    port = clock_config.port
    try:
        socket.create_connection((clock_config.address, port), timeout=clock_config.timeout).close()
    except TimeoutError:
        return PORT_NO_ANSWER(port=port, timeout_s=clock_config.timeout)
    except ConnectionRefusedError:
        return PORT_REFUSED(port=port)
    except OSError as exc:
        return PORT_ERROR(port=port, error=exc.strerror or exc)
    return None


def _report_online(sample: Callable[..., None], labels: dict[str, str], reading: ClockReading) -> None:
    sample("itops_attendance_clock_response_time_seconds", reading.response_time_s)
    sample("itops_attendance_clock_drift_seconds", reading.drift_s)
    for store, (count, capacity) in _usage(reading.sizes).items():
        sample(f"itops_attendance_clock_{store}", count)
        sample(f"itops_attendance_clock_{store}_capacity", capacity)
        sample(f"itops_attendance_clock_{store}_usage_ratio", count / capacity)
    sample("itops_attendance_clock_info", 1.0, labels={**labels, **reading.info})


def _usage(sizes: FreeSizes) -> dict[str, tuple[int, int]]:
    """Count and capacity of each store the device has (a capacity of 0: it has none, e.g. no face reader)."""
    usage = {store: (getattr(sizes, count), getattr(sizes, capacity)) for store, (count, capacity) in _STORES.items()}
    return {store: pair for store, pair in usage.items() if pair[1] > 0}


