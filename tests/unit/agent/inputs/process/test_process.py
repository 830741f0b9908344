"""The process input against real processes this test starts, under a name and arguments no other process has."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid

import psutil
import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.process.config import ProcessConfig, ProcessRule
from itops.agent.inputs.process.process import ProcessInput
from itops.common.yaml_config import ConfigError, load_text

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]


@pytest.fixture
def spawn(tmp_path):
    """Start ``sleep`` under the executable name ``itops-sleeper``, with a marker argument; stopped after the test."""
    executable = tmp_path / "itops-sleeper"
    os.symlink(shutil.which("sleep"), executable)
    started: list[subprocess.Popen] = []

    def start(marker: str) -> subprocess.Popen:
        process = subprocess.Popen([str(executable), "600", marker])
        started.append(process)
        wait_for_exec(process.pid, marker)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def wait_for_exec(pid: int, marker: str) -> None:
    """Popen returns once the child is forked: until it has exec'd, it still has Python's name and command line."""
    deadline = time.monotonic() + 10
    while marker not in psutil.Process(pid).cmdline():
        assert time.monotonic() < deadline, f"process {pid} did not exec within 10 s"
        time.sleep(0.005)


@pytest.fixture
def marker() -> str:
    """A second duration for ``sleep`` (it adds them up) that no other command line holds."""
    return f"{uuid.uuid4().int % 10**15}s"


def gather(*rules: ProcessRule) -> GatherResult:
    acc = GatherResult({})
    ProcessInput(ProcessConfig(processes=list(rules))).gather(acc)
    return acc


def results(acc: GatherResult) -> list[tuple[str, str, str]]:
    return [(result.target, STATUS_NAMES[result.status], result.message) for result in acc.checks]


def counts(acc: GatherResult) -> dict[str, float]:
    return {labels["target"]: value for name, labels, value, _ in acc.samples if name == "itops_process_count"}


def test_running_process_found_by_name_and_cmdline_is_ok(spawn, marker):
    spawn(marker)
    acc = gather(ProcessRule(name="erp", process_name="itops-sleeper", cmdline=f"600 {marker}$"))
    assert results(acc) == [("erp", "OK", "1 running")]
    assert counts(acc) == {"erp": 1.0}


def test_process_not_running_is_critical(marker):
    acc = gather(ProcessRule(name="erp", cmdline=marker))
    assert results(acc) == [("erp", "CRITICAL", "not running: no matching process")]
    assert counts(acc) == {"erp": 0.0}


def test_process_that_ended_is_no_longer_counted(spawn, marker):
    process = spawn(marker)
    rule = ProcessRule(name="erp", cmdline=marker)
    assert counts(gather(rule)) == {"erp": 1.0}
    process.kill()
    process.wait()
    assert counts(gather(rule)) == {"erp": 0.0}


def test_fewer_than_min_count_is_critical(spawn, marker):
    spawn(marker)
    assert results(gather(ProcessRule(name="workers", cmdline=marker, min_count=2))) == [
        ("workers", "CRITICAL", "1 running, expected at least 2")]


def test_more_than_max_count_is_warning(spawn, marker):
    for _ in range(3):
        spawn(marker)
    acc = gather(ProcessRule(name="workers", cmdline=marker, max_count=2))
    assert results(acc) == [("workers", "WARNING", "3 running, expected at most 2")]
    assert counts(acc) == {"workers": 3.0}


def test_every_matcher_given_must_match(spawn, marker):
    spawn(marker)
    assert counts(gather(ProcessRule(name="other-name", process_name="postgres", cmdline=marker))) == {"other-name": 0.0}


def test_process_name_alone_matches_exactly(spawn, marker):
    spawn(marker)
    spawn(marker)
    assert counts(gather(ProcessRule(name="a", process_name="itops-sleeper"), ProcessRule(name="b", process_name="itops-sleepe"))) == {"a": 2.0, "b": 0.0}


def test_min_count_zero_accepts_none_running(marker):
    assert results(gather(ProcessRule(name="optional", cmdline=marker, min_count=0))) == [("optional", "OK", "0 running")]


@pytest.mark.parametrize(("rule", "problem"), [
    ("{name: erp}", "'erp' needs `process_name`, `cmdline` or both"),
    ("{name: erp, cmdline: '('}", "'erp': cmdline is not a valid regular expression"),
    ("{name: erp, cmdline: x, min_count: 3, max_count: 2}", "'erp': max_count is below min_count"),
])
def test_bad_rule_is_a_config_error(rule, problem):
    with pytest.raises(ConfigError, match=problem):
        load_text(f"type: process\nprocesses: [{rule}]\n", ProcessConfig, "agent.yaml")


def test_two_rules_with_one_name_is_a_config_error():
    with pytest.raises(ConfigError, match="processes: 'erp' is named twice"):
        load_text("type: process\nprocesses: [{name: erp, cmdline: a}, {name: erp, cmdline: b}]\n", ProcessConfig, "agent.yaml")
