"""`make demo` runs deploy/demo.py: collector + agent on this machine, and this machine's metrics show up."""

import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

DEMO = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "demo.py"


@pytest.mark.timeout(120)
def test_demo_shows_this_machines_metrics_and_stops_cleanly(tmp_path):
    result = subprocess.run([sys.executable, DEMO, "--data-dir", tmp_path / "demo", "--duration", "25"],
                            capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    last_view = result.stdout.split("itops demo — ")[-1]
    assert "demo-agent" in last_view and "online" in last_view
    assert "/metrics" in last_view and "/api/v1/agents" in last_view
    checks = [line.split() for line in last_view.splitlines() if line.startswith("  ")]
    by_check = {(row[1], row[2]): row[0] for row in checks if len(row) >= 3}
    assert by_check[("printer_status", "printer-3f")] in ("OK", "WARNING", "CRITICAL")
    assert by_check[("ups_status", "ups-server-room")] in ("OK", "WARNING", "CRITICAL")
    assert by_check[("attendance_clock", "main-entrance")] == "WARNING"  # its clock is 10 minutes off
    load_line = next(line for line in last_view.splitlines() if line.startswith("itops_host_load1"))
    float(load_line.split()[-1])  # a number, not "(waiting)"
    assert "demo stopped (agent exit 0, collector exit 0)" in result.stdout
