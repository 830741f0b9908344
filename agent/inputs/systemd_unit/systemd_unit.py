"""The ``systemd_unit`` input: the active state of units, from ``systemctl show``.

One ``systemctl show -p ... unit1 unit2 ...`` per gather prints a block of ``Property=value`` lines per
unit, in the order asked, separated by blank lines. Within a block systemd orders the properties its own
way, so a block is read as a mapping.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.systemd_unit.config import SystemdUnitConfig
from itops.common.clock import EpochClock, epoch_now

__all__ = ["SystemdUnavailable", "SystemdUnitInput", "SYSTEMD_BOOTED_MARKER", "judge_unit", "parse_show_output"]

# sd_booted(3): this directory exists exactly when systemd is the init system.
SYSTEMD_BOOTED_MARKER = Path("/run/systemd/system")
SYSTEMCTL_TIMEOUT_S = 10.0
PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "Result", "NRestarts")
ACTIVE_STATES = ("active", "reloading", "refreshing", "activating", "deactivating", "maintenance", "inactive", "failed")
_UP_STATES = frozenset({"active", "reloading", "refreshing"})
_TRANSIENT_STATES = frozenset({"activating", "deactivating", "maintenance"})
NOT_BOOTED = CheckMessage("systemd_unit.not_booted", "systemd is not running on this host ({marker} does not exist), "
                                                     "so unit states cannot be read")
NO_SYSTEMCTL = CheckMessage("systemd_unit.no_systemctl", "{systemctl} not found")
SYSTEMCTL_SLOW = CheckMessage("systemd_unit.systemctl_slow", "systemctl show did not answer within {timeout_s:g}s")
SYSTEMCTL_FAILED = CheckMessage("systemd_unit.systemctl_failed", "systemctl show failed (exit {exit_code}): {stderr}")
UNITS_MISCOUNTED = CheckMessage("systemd_unit.units_miscounted",
                                "systemctl show described {described} units, {asked} were asked for")
NOT_FOUND = CheckMessage("systemd_unit.not_found", "unit not found")
NOT_LOADED = CheckMessage("systemd_unit.not_loaded", "unit not loaded: LoadState={load_state}")
STATE = CheckMessage("systemd_unit.state", "{active_state} ({sub_state})")
STATE_WITH_RESULT = CheckMessage("systemd_unit.state_with_result", "{active_state} ({sub_state}), result {result}")


class SystemdUnavailable(Exception):
    """Unit states cannot be read on this host right now; ``message`` says why."""

    def __init__(self, message: MessagePart):
        super().__init__(message.text)
        self.message = message


class SystemdUnitInput(Input[SystemdUnitConfig]):
    """``systemctl`` and ``booted_marker`` are parameters so tests can stand in for a systemd host."""

    def __init__(self, config: SystemdUnitConfig, clock: EpochClock = epoch_now,
                 systemctl: str = "systemctl", booted_marker: Path = SYSTEMD_BOOTED_MARKER):
        super().__init__(config, clock)
        self.systemctl = systemctl
        self.booted_marker = booted_marker

    def gather(self, acc: Accumulator) -> None:
        started = time.monotonic()
        try:
            units = self._show()
        except SystemdUnavailable as exc:
            for unit in self.config.units:
                report_check(acc, self.name, unit, CheckStatus.UNKNOWN, exc.message, time.monotonic() - started)
            return
        duration_s = time.monotonic() - started
        for unit, properties in zip(self.config.units, units, strict=True):
            self._report_unit(acc, unit, properties, duration_s)

    def _show(self) -> list[dict[str, str]]:
        if not self.booted_marker.is_dir():
            raise SystemdUnavailable(NOT_BOOTED(marker=self.booted_marker))
        command = [self.systemctl, "show", f"--property={','.join(PROPERTIES)}", "--", *self.config.units]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT_S, check=False)
        except FileNotFoundError:
            raise SystemdUnavailable(NO_SYSTEMCTL(systemctl=self.systemctl)) from None
        except subprocess.TimeoutExpired:
            raise SystemdUnavailable(SYSTEMCTL_SLOW(timeout_s=SYSTEMCTL_TIMEOUT_S)) from None
        if completed.returncode != 0:
            raise SystemdUnavailable(SYSTEMCTL_FAILED(exit_code=completed.returncode, stderr=completed.stderr.strip()))
        units = parse_show_output(completed.stdout)
        if len(units) != len(self.config.units):
            raise SystemdUnavailable(UNITS_MISCOUNTED(described=len(units), asked=len(self.config.units)))
        return units

    def _report_unit(self, acc: Accumulator, unit: str, properties: dict[str, str], duration_s: float) -> None:
        active_state = properties.get("ActiveState", "")
        for state in ACTIVE_STATES:
            acc.add_sample("itops_systemd_unit_active_state", float(state == active_state), {"target": unit, "state": state})
        if properties.get("NRestarts", "").isdigit():
            acc.add_sample("itops_systemd_unit_restarts_total", int(properties["NRestarts"]), {"target": unit})
        report_check(acc, self.name, unit, *judge_unit(properties), duration_s)


def parse_show_output(text: str) -> list[dict[str, str]]:
    """Blocks of ``Property=value`` lines → one mapping per unit."""
    blocks = [block for block in text.split("\n\n") if block.strip()]
    return [dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line) for block in blocks]


def judge_unit(properties: dict[str, str]) -> tuple[CheckStatus, MessagePart]:
    load_state = properties.get("LoadState", "")
    if load_state == "not-found":
        return CheckStatus.CRITICAL, NOT_FOUND()
    if load_state != "loaded":
        return CheckStatus.CRITICAL, NOT_LOADED(load_state=load_state)
    active_state = properties.get("ActiveState", "")
    described = STATE(active_state=active_state, sub_state=properties.get("SubState", ""))
    if active_state in _UP_STATES:
        return CheckStatus.OK, described
    if active_state in _TRANSIENT_STATES:
        return CheckStatus.WARNING, described
    result = properties.get("Result", "")
    if result in ("", "success"):
        return CheckStatus.CRITICAL, described
    return CheckStatus.CRITICAL, STATE_WITH_RESULT(active_state=active_state, sub_state=properties.get("SubState", ""),
                                                   result=result)
