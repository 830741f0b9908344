"""The ``snmp`` input: polls many devices, each on its own interval, concurrently, from one gather.

Each gather polls the devices that are due, all at once (at most ``max_concurrent_devices`` at a time) on
an asyncio loop the input keeps between gathers, together with its pysnmp engine. A device that does not
answer costs only its own ``timeout × (retries + 1)``: its first unanswered request ends its poll, and the
others' polls run alongside it. So a gather lasts as long as its slowest device, never their sum.

A poll: GET the generic profile's OIDs (sysDescr, sysObjectID, ...), select the device's profiles once (again
when sysObjectID changes), GET and walk what each profile asks for, and hand the walk to the generic
interpreter and each profile's interpreter. The device's ``snmp_poll`` check says how the poll went, and
warns when the device answered but no profile read anything from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

from itops.agent.checks import CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.snmp.check_messages import (POLL_ANSWERED, POLL_ANSWERED_GENERIC, POLL_ERROR, POLL_NO_ANSWER,
                                                   POLL_NOT_MONITORED, POLL_PROFILE_FAILED)
from itops.agent.inputs.snmp.config import SnmpConfig, SnmpDeviceConfig
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.generic import SYS_DESCR, SYS_OBJECT_ID
from itops.agent.inputs.snmp.interpreters.text import display_text
from itops.agent.inputs.snmp.profile import GENERIC_PROFILE, Profile, ProfileSet, load_profiles
from itops.agent.inputs.snmp.session import SnmpError, SnmpSession, SnmpTimeout
from itops.agent.inputs.snmp.walk import Walk, parse_oid
from itops.common.clock import EpochClock, epoch_now
from itops.v1 import ingest_pb2

__all__ = ["SnmpInput", "POLL_CHECK"]

log = logging.getLogger("itops.agent.inputs.snmp")

POLL_CHECK = "snmp_poll"
# The runner's ticks wander by a few hundred ms; without slack a device due "now" would wait a whole tick.
DUE_SLACK_S = 1.0


@dataclass
class PolledDevice:
    config: SnmpDeviceConfig
    session: SnmpSession | None = None
    profiles: list[Profile] | None = None
    sys_object_id: Any = None  # the sysObjectID the profiles were selected for
    state: dict[str, Any] = field(default_factory=dict)
    next_due_s: float = 0.0  # monotonic

    def is_due(self, now_s: float) -> bool:
        return now_s + DUE_SLACK_S >= self.next_due_s


class DeviceAccumulator(Accumulator):
    """Holds one device's samples and checks, with its labels and the poll's timestamp, until the poll ends."""

    def __init__(self, labels: dict[str, str], timestamp_ms: int):
        self.labels = labels
        self.timestamp_ms = timestamp_ms
        self.samples: list[tuple[str, float, dict[str, str], int]] = []
        self.checks: list[ingest_pb2.CheckResult] = []

    def add_sample(self, name, value, labels=None, timestamp_ms=None) -> None:
        self.samples.append((name, value, {**self.labels, **(labels or {})}, timestamp_ms or self.timestamp_ms))

    def add_check(self, result: ingest_pb2.CheckResult) -> None:
        result.timestamp_ms = result.timestamp_ms or self.timestamp_ms
        for name, value in self.labels.items():
            if not any(label.name == name for label in result.labels):
                result.labels.add(name=name, value=value)
        self.checks.append(result)

    def add_inventory(self, snapshot: ingest_pb2.InventorySnapshot) -> None:
        raise NotImplementedError("SNMP devices report no inventory snapshot")

    def flush_to(self, acc: Accumulator) -> None:
        for name, value, labels, timestamp_ms in self.samples:
            acc.add_sample(name, value, labels, timestamp_ms)
        for check in self.checks:
            acc.add_check(check)


def _readings(out: DeviceAccumulator) -> int:
    """Samples that are readings of the device, not the series of a check."""
    return sum(not name.startswith("itops_check_") for name, _value, _labels, _ts in out.samples)


class SnmpInput(Input[SnmpConfig]):
    def __init__(self, config: SnmpConfig, clock: EpochClock = epoch_now):
        super().__init__(config, clock)
        self.profiles: ProfileSet = load_profiles(config.profile_dirs())
        self.devices = [PolledDevice(device) for device in config.devices]
        self._loop = asyncio.new_event_loop()
        self._engine: SnmpEngine | None = None

    def gather(self, acc: Accumulator) -> None:
        self._loop.run_until_complete(self._poll_due(acc))

    def close(self) -> None:
        if self._engine is not None:
            self._loop.run_until_complete(self._close_engine())
        self._loop.close()

    async def _close_engine(self) -> None:
        self._engine.close_dispatcher()
        await asyncio.sleep(0)  # let the dispatcher's cancelled timer task finish before the loop closes

    async def _poll_due(self, acc: Accumulator) -> None:
        if self._engine is None:
            self._engine = SnmpEngine()
        limit = asyncio.Semaphore(self.config.max_concurrent_devices)
        now_s = time.monotonic()
        due = [device for device in self.devices if device.is_due(now_s)]
        for device in due:  # from this gather's tick, not from when the device's turn under the limit came
            device.next_due_s = now_s + (device.config.interval or 0.0)
        await asyncio.gather(*(self._poll_limited(device, limit, acc) for device in due))

    async def _poll_limited(self, device: PolledDevice, limit: asyncio.Semaphore, acc: Accumulator) -> None:
        async with limit:
            out = await self._poll(device, time.monotonic())
        out.flush_to(acc)

    async def _poll(self, device: PolledDevice, started_s: float) -> DeviceAccumulator:
        now_s = self.clock()
        out = DeviceAccumulator(device.config.series_labels(), int(now_s * 1000))
        context = DeviceContext(device.config.name, now_s, device.state)
        if device.session is None:
            device.session = SnmpSession(self._engine, device.config, self.config.max_repetitions)
        try:
            walk, profiles = await self._fetch(device)
        except SnmpError as exc:
            self._report_poll(out, device, started_s, CheckStatus.CRITICAL, self._failure_text(device.config, exc))
            return out
        read_by: list[str] = []
        for profile in [self.profiles.generic] + profiles:
            readings_before = _readings(out)
            try:
                self.profiles.interpreters[profile.name](walk, context, out)
            except Exception as exc:  # noqa: BLE001 - one device's odd data must not cost the other devices their poll
                log.exception("SNMP profile %s failed on device %s", profile.name, device.config.name)
                out = DeviceAccumulator(out.labels, out.timestamp_ms)
                self._report_poll(out, device, started_s, CheckStatus.UNKNOWN,
                                  POLL_PROFILE_FAILED(profile=profile.name, error_type=type(exc).__name__, error=exc))
                return out
            if profile.name != GENERIC_PROFILE and _readings(out) > readings_before:
                read_by.append(profile.name)
        self._report_poll(out, device, started_s, *self._answered(device, walk, profiles, read_by))
        for profile in profiles or [self.profiles.generic]:
            out.add_sample("itops_snmp_profile_info", 1, {"profile": profile.name})
        for object_name in sorted(context.missing):
            out.add_sample("itops_snmp_object_reported", 0, {"object": object_name})
        return out

    async def _fetch(self, device: PolledDevice) -> tuple[Walk, list[Profile]]:
        """The device's values and its profiles other than ``generic`` (which every device gets)."""
        session = device.session
        walk = Walk(await session.get(self.profiles.generic.get_oids()))
        profiles = [profile for profile in await self._profiles_of(device, walk) if profile.name != GENERIC_PROFILE]
        for profile in profiles:
            walk.values.update(await session.get(profile.get_oids()))
        bases = self.profiles.generic.walk_oids() + [base for profile in profiles for base in profile.walk_oids()]
        for base in dict.fromkeys(bases):
            walk.values.update(await session.walk(base))
        return walk, profiles

    async def _profiles_of(self, device: PolledDevice, walk: Walk) -> list[Profile]:
        if device.config.profile_names():
            return [self.profiles.by_name[name] for name in device.config.profile_names()]
        sys_object_id = walk.get(SYS_OBJECT_ID)
        if device.profiles is None or sys_object_id != device.sys_object_id:
            probes = {parse_oid(probe): probe for probe in self.profiles.probe_oids()}
            present = {probes[oid] for oid in await device.session.answered_under(list(probes))}
            descr_text = display_text(walk.get(SYS_DESCR))
            device.profiles = self.profiles.select(str(sys_object_id or ""), descr_text, present)
            device.sys_object_id = sys_object_id
        return device.profiles

    @staticmethod
    def _answered(device: PolledDevice, walk: Walk, profiles: list[Profile], read_by: list[str]) -> tuple[CheckStatus, MessagePart]:
        """The check of a device that answered: WARNING when no profile read anything from it (only uptime and
        identity are watched, so no alert about its sensors can ever fire), unless its config says so."""
        if read_by:
            return CheckStatus.OK, POLL_ANSWERED(values=len(walk), profiles=", ".join(read_by))
        if device.config.profile_names() == [GENERIC_PROFILE]:
            return CheckStatus.OK, POLL_ANSWERED_GENERIC(values=len(walk))
        return CheckStatus.WARNING, POLL_NOT_MONITORED(values=len(walk), tried=", ".join(p.name for p in profiles),
                                                       sys_object_id=walk.get(SYS_OBJECT_ID) or "")

    @staticmethod
    def _failure_text(device: SnmpDeviceConfig, exc: SnmpError) -> MessagePart:
        if isinstance(exc, SnmpTimeout):
            return POLL_NO_ANSWER(address=device.address, timeout_s=device.timeout, tries=device.retries + 1)
        return POLL_ERROR(error=exc)

    @staticmethod
    def _report_poll(out: DeviceAccumulator, device: PolledDevice, started_s: float, status: CheckStatus, message: MessagePart) -> None:
        duration_s = time.monotonic() - started_s
        out.add_sample("itops_snmp_up", float(status is not CheckStatus.CRITICAL))
        out.add_sample("itops_snmp_poll_duration_seconds", duration_s)
        report_check(out, POLL_CHECK, device.config.name, status, message, duration_s)
