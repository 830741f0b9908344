"""The systemd_unit input: UNKNOWN where systemd does not run (as on this test machine), and the reading of
``systemctl show`` output, served by a stand-in ``systemctl`` script where no systemd is running."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.systemd_unit.config import SystemdUnitConfig
from itops.agent.inputs.systemd_unit.systemd_unit import SYSTEMD_BOOTED_MARKER, SystemdUnitInput, judge_unit, parse_show_output

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
UNITS = ["postgresql.service", "erp.service", "nosuch.service", "backup.timer"]
# `systemctl show --property=Id,LoadState,ActiveState,SubState,Result,NRestarts -- <UNITS>` as systemd 252
# prints it: one block per unit in the order asked, properties in systemd's own order, no NRestarts for
# a timer, and a block (LoadState=not-found) for a unit that does not exist.
SHOW_OUTPUT = """\
Result=success
NRestarts=0
Id=postgresql.service
LoadState=loaded
ActiveState=active
SubState=running

Result=exit-code
NRestarts=5
Id=erp.service
LoadState=loaded
ActiveState=failed
SubState=failed

Result=success
NRestarts=0
Id=nosuch.service
LoadState=not-found
ActiveState=inactive
SubState=dead

Result=success
Id=backup.timer
LoadState=loaded
ActiveState=active
SubState=waiting
"""


def fake_systemctl(tmp_path: Path, stdout: str, exit_code: int = 0, stderr: str = "") -> Path:
    """An executable that records its arguments and answers like systemctl."""
    (tmp_path / "stdout").write_text(stdout)
    (tmp_path / "stderr").write_text(stderr)
    script = tmp_path / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat {tmp_path}/stdout\ncat {tmp_path}/stderr >&2\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def gather(units: list[str], **parameters) -> GatherResult:
    acc = GatherResult({})
    SystemdUnitInput(SystemdUnitConfig(units=units), **parameters).gather(acc)
    return acc


def results(acc: GatherResult) -> list[tuple[str, str, str]]:
    return [(result.target, STATUS_NAMES[result.status], result.message) for result in acc.checks]


def test_without_systemd_every_unit_is_unknown_with_the_reason(tmp_path):
    absent = tmp_path / "run-systemd-system"
    acc = gather(["ssh.service", "cron.service"], booted_marker=absent)
    reason = f"systemd is not running on this host ({absent} does not exist), so unit states cannot be read"
    assert results(acc) == [("ssh.service", "UNKNOWN", reason), ("cron.service", "UNKNOWN", reason)]
    assert [name for name, *_ in acc.samples if name.startswith("itops_systemd_")] == []


@pytest.mark.skipif(SYSTEMD_BOOTED_MARKER.exists(), reason="systemd runs on this machine")
def test_on_this_machine_without_systemd_the_defaults_report_unknown():
    assert results(gather(["ssh.service"])) == [("ssh.service", "UNKNOWN",
        "systemd is not running on this host (/run/systemd/system does not exist), so unit states cannot be read")]


@pytest.mark.skipif(SYSTEMD_BOOTED_MARKER.exists() or not shutil.which("systemctl"), reason="needs systemctl without a running systemd")
def test_real_systemctl_failing_is_unknown_with_its_own_words(tmp_path):
    ((_, status, message),) = results(gather(["ssh.service"], booted_marker=tmp_path))
    assert status == "UNKNOWN"
    assert message.startswith("systemctl show failed (exit 1): System has not been booted with systemd as init system (PID 1)")


def test_show_output_is_read_as_one_mapping_per_unit():
    units = parse_show_output(SHOW_OUTPUT)
    assert [unit["Id"] for unit in units] == UNITS
    assert units[1] == {"Result": "exit-code", "NRestarts": "5", "Id": "erp.service", "LoadState": "loaded",
                        "ActiveState": "failed", "SubState": "failed"}


def test_units_are_judged_from_systemctl_show(tmp_path):
    acc = gather(UNITS, systemctl=str(fake_systemctl(tmp_path, SHOW_OUTPUT)), booted_marker=tmp_path)
    assert results(acc) == [
        ("postgresql.service", "OK", "active (running)"),
        ("erp.service", "CRITICAL", "failed (failed), result exit-code"),
        ("nosuch.service", "CRITICAL", "unit not found"),
        ("backup.timer", "OK", "active (waiting)"),
    ]
    assert (tmp_path / "args").read_text() == f"show --property=Id,LoadState,ActiveState,SubState,Result,NRestarts -- {' '.join(UNITS)}\n"


def test_active_state_is_a_state_set_and_restarts_a_counter(tmp_path):
    acc = gather(UNITS, systemctl=str(fake_systemctl(tmp_path, SHOW_OUTPUT)), booted_marker=tmp_path)
    erp_states = {labels["state"]: value for name, labels, value, _ in acc.samples
                  if name == "itops_systemd_unit_active_state" and labels["target"] == "erp.service"}
    assert erp_states == {"active": 0.0, "reloading": 0.0, "refreshing": 0.0, "activating": 0.0, "deactivating": 0.0,
                          "maintenance": 0.0, "inactive": 0.0, "failed": 1.0}
    restarts = {labels["target"]: value for name, labels, value, _ in acc.samples if name == "itops_systemd_unit_restarts_total"}
    assert restarts == {"postgresql.service": 0.0, "erp.service": 5.0, "nosuch.service": 0.0}


def test_systemctl_error_is_unknown_with_its_message(tmp_path):
    systemctl = fake_systemctl(tmp_path, "", exit_code=1, stderr="Failed to connect to bus: Connection refused\n")
    assert results(gather(["ssh.service"], systemctl=str(systemctl), booted_marker=tmp_path)) == [
        ("ssh.service", "UNKNOWN", "systemctl show failed (exit 1): Failed to connect to bus: Connection refused")]


def test_missing_systemctl_is_unknown(tmp_path):
    assert results(gather(["ssh.service"], systemctl=str(tmp_path / "nowhere"), booted_marker=tmp_path)) == [
        ("ssh.service", "UNKNOWN", f"{tmp_path / 'nowhere'} not found")]


def test_fewer_blocks_than_units_is_unknown(tmp_path):
    systemctl = fake_systemctl(tmp_path, SHOW_OUTPUT)
    assert results(gather([*UNITS, "extra.service"], systemctl=str(systemctl), booted_marker=tmp_path))[0] == (
        "postgresql.service", "UNKNOWN", "systemctl show described 4 units, 5 were asked for")


@pytest.mark.parametrize(("properties", "expected"), [
    ({"LoadState": "loaded", "ActiveState": "activating", "SubState": "start-pre"}, ("WARNING", "activating (start-pre)")),
    ({"LoadState": "loaded", "ActiveState": "reloading", "SubState": "reload"}, ("OK", "reloading (reload)")),
    ({"LoadState": "loaded", "ActiveState": "inactive", "SubState": "dead", "Result": "success"}, ("CRITICAL", "inactive (dead)")),
    ({"LoadState": "masked", "ActiveState": "inactive", "SubState": "dead"}, ("CRITICAL", "unit not loaded: LoadState=masked")),
])
def test_judging_other_states(properties, expected):
    status, message = judge_unit(properties)
    assert (STATUS_NAMES[status], message.text) == expected
