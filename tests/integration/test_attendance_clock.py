"""`itops-agent once` with the attendance_clock input against simulated clocks running as processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import BIN, free_port

pytestmark = pytest.mark.integration

SIMULATOR = Path(__file__).resolve().parents[1] / "simulators" / "zk_clock.py"
READY_RE = re.compile(r"^zk_clock ready port=(\d+) state=\S+$")
SAMPLE_RE = re.compile(r'^(itops_attendance_clock_\w+)\{[^}]*clock="([^"]+)"[^}]*\} (\S+) \d+$')
CHECK_RE = re.compile(r"^check attendance_clock (\S+): (\w+) (.*) \(\d+\.\d+s\)$")


@pytest.fixture
def start_clock():
    processes: list[subprocess.Popen] = []

    def start(state: str) -> int:
        process = subprocess.Popen([sys.executable, SIMULATOR, "--port", "0", "--state", state],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        line = process.stdout.readline().strip()
        match = READY_RE.match(line)
        assert match, f"the simulator did not start: {line!r}"
        return int(match.group(1))

    yield start
    for process in processes:
        process.terminate()
        assert process.wait(10) == 0


def test_agent_once_reports_each_simulated_clock(tmp_path, start_clock):
    ports = {"normal": start_clock("normal"), "fast": start_clock("clock_off_10min"),
             "full": start_clock("records_95pct"), "silent": start_clock("silent"), "offline": free_port()}
    clocks = "".join(f"      - {{name: {name}, address: 127.0.0.1, port: {port}, protocol: {'udp' if name == 'full' else 'tcp'},"
                     f" timeout: 1s, location: Hall {i}}}\n" for i, (name, port) in enumerate(ports.items()))
    (tmp_path / "token").write_text("unused")
    config = tmp_path / "agent.yaml"
    config.write_text(f"agent_id: a\ncollector:\n  address: 127.0.0.1:1\n  token_file: {tmp_path / 'token'}\n"
                      f"inputs:\n  - type: attendance_clock\n    correct_drift_above: 5m\n    clocks:\n{clocks}")

    run = subprocess.run([BIN / "itops-agent", "once", "-c", config], capture_output=True, text=True, timeout=60, check=False)

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    values = {(m.group(2), m.group(1)): float(m.group(3)) for m in map(SAMPLE_RE.match, lines) if m}
    checks = {m.group(1): (m.group(2), m.group(3)) for m in map(CHECK_RE.match, lines) if m}
    assert {name: values[name, "itops_attendance_clock_up"] for name in ports} == {
        "normal": 1, "fast": 1, "full": 1, "silent": 0, "offline": 0}
    assert values["silent", "itops_attendance_clock_reachable"] == 1
    assert values["offline", "itops_attendance_clock_reachable"] == 0
    # `once` prints the second of two gathers: the fast clock was set right in the first.
    assert values["fast", "itops_attendance_clock_time_corrections_total"] == 1
    assert abs(values["fast", "itops_attendance_clock_drift_seconds"]) <= 1
    assert values["full", "itops_attendance_clock_records_usage_ratio"] == 0.95
    assert checks["normal"][0] == "OK"
    assert checks["full"][0] == "WARNING"
    assert checks["full"][1].endswith("; attendance record storage 95% full (95000 of 100000)")
    assert checks["silent"] == ("CRITICAL", (f"answers on port {ports['silent']} but not as an attendance clock; "
                                             "its software may have hung; no answer within 1 s"))
    assert checks["offline"][0] == "CRITICAL"
    assert checks["offline"][1].startswith(f"offline: cannot reach 127.0.0.1:{ports['offline']}/tcp; connection refused")
