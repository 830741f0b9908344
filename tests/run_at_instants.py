"""Runs the date-sensitive tests under libfaketime at instants where a date or time assumption breaks.

Every component takes the clock it is given, so these tests must pass whatever the machine's clock says:
at a year's last seconds and first seconds in Shanghai, on a leap day, on a Sunday night inside the
Spring Festival holiday and late on a month's last day in UTC. Time runs on from each instant
(libfaketime's ``@`` form); the monotonic clock stays real (FAKETIME_DONT_FAKE_MONOTONIC) so asyncio and
timeouts behave. Processes the tests start (a collector) inherit the faked clock.

Exits non-zero, naming each instant that failed, when faketime is missing, when it does not move
Python's clock, or when any run fails. Part of ``make test``.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SLEEP_FIX_DIR = ROOT / "tests" / "faketime"  # sitecustomize.py: time.sleep under libfaketime 0.9.10
PARALLEL_RUNS = 3  # the tests mostly wait on servers and timers: three runs share two cores well
PROBE_TOLERANCE_S = 60

DATE_SENSITIVE_TESTS = [
    "tests/unit/alerting",
    "tests/unit/collector",
    "tests/unit/common/test_metric_catalogue.py",
    "tests/unit/proto/test_series_key.py",
    "tests/unit/agent/test_buffer.py",
    "tests/unit/agent/test_service.py",
    "tests/unit/agent/test_runner.py",
    "tests/unit/agent/test_batcher.py",
    "tests/unit/agent/inputs/tls_certificate_file/test_tls_certificate_file.py",
    "tests/unit/agent/inputs/file_freshness/test_file_freshness.py",
    "tests/unit/agent/inputs/attendance_clock/test_attendance_clock.py",
    "tests/integration/test_reports.py",
    "tests/integration/test_report_sources.py",
    "tests/integration/test_daily_report.py",
    "tests/integration/test_reports_in_collector.py",
]
NOT_DATE_SENSITIVE = ["tests/unit/collector/ingest/test_validation_fuzz.py"]  # 30 s of generated batches, no dates


@dataclass(frozen=True)
class Instant:
    utc: datetime
    tz: str
    why: str

    @property
    def label(self) -> str:
        return f"{self.utc:%Y-%m-%d %H:%M:%S} UTC, TZ={self.tz} ({self.why})"

    def faketime_spec(self) -> str:
        """libfaketime reads the start time in the process's own time zone."""
        return "@" + self.utc.astimezone(ZoneInfo(self.tz)).strftime("%Y-%m-%d %H:%M:%S")

    def environment(self) -> dict[str, str]:
        python_path = os.pathsep.join(filter(None, [str(SLEEP_FIX_DIR), os.environ.get("PYTHONPATH")]))
        # FAKETIME_DONT_RESET: a process a test starts (a collector) goes on from the test's faked time instead of
        # starting at the instant again, so both agree what time it is.
        return {**os.environ, "TZ": self.tz, "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_RESET": "1",
                "PYTHONPATH": python_path}


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


INSTANTS = [
    Instant(_utc(2026, 12, 31, 15, 59, 30), "UTC", "23:59:30 on New Year's Eve in Shanghai"),
    Instant(_utc(2026, 12, 31, 16, 0, 30), "UTC", "00:00:30 on 2027-01-01 in Shanghai, still 2026 in UTC"),
    Instant(_utc(2026, 12, 31, 16, 0, 30), "Asia/Shanghai", "the same instant with the machine in Shanghai"),
    Instant(_utc(2028, 2, 29, 12, 0, 0), "UTC", "a leap day"),
    # cn-2026.yaml: 春节 2026-02-15 (Sun) .. 02-23 (Mon); 2026-02-22 is the Sunday inside it.
    Instant(_utc(2026, 2, 21, 19, 0, 0), "UTC", "Sunday 2026-02-22 03:00 in Shanghai, Spring Festival holiday"),
    Instant(_utc(2026, 2, 21, 19, 0, 0), "Asia/Shanghai", "the same instant with the machine in Shanghai"),
    Instant(_utc(2027, 4, 30, 16, 30, 0), "UTC", "16:30 UTC on a month's last day, already May in Shanghai"),
]


def _faketime_command(instant: Instant, *command: str) -> list[str]:
    return ["faketime", "-f", instant.faketime_spec(), *command]


def check_faketime_moves_the_clock(instant: Instant) -> None:
    """Fail loudly when libfaketime is missing or does not reach Python's clock."""
    if shutil.which("faketime") is None:
        sys.exit("run_at_instants: faketime is not installed (Debian package faketime); .ci/run installs it")
    probe = "import datetime, time; time.sleep(0.01); print(time.time(), datetime.datetime.now().astimezone().isoformat())"
    output = subprocess.run(_faketime_command(instant, sys.executable, "-c", probe), env=instant.environment(),
                            capture_output=True, text=True, check=False)
    seen = output.stdout.split()
    if output.returncode != 0 or not seen or abs(float(seen[0]) - instant.utc.timestamp()) > PROBE_TOLERANCE_S:
        sys.exit(f"run_at_instants: faketime did not move Python's clock to {instant.label}: "
                 f"{output.stdout.strip()} {output.stderr.strip()}")


def run_at(instant: Instant, work_dir: Path, index: int) -> tuple[Instant, int, str, float]:
    log_path = work_dir / f"instant-{index}.log"
    pytest = [sys.executable, "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider", f"--basetemp={work_dir / f'tmp-{index}'}",
              *(f"--ignore={path}" for path in NOT_DATE_SENSITIVE), *DATE_SENSITIVE_TESTS]
    started = time.monotonic()
    with open(log_path, "w") as log:
        returncode = subprocess.run(_faketime_command(instant, *pytest), env=instant.environment(), cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    return instant, returncode, log_path.read_text(), time.monotonic() - started


def _report(instant: Instant, returncode: int, log: str, elapsed_s: float) -> None:
    lines = log.rstrip().splitlines()
    verdict = "passed" if returncode == 0 else f"FAILED (pytest exit {returncode})"
    print(f"== {instant.label}: {verdict} in {elapsed_s:.0f} s: {lines[-1] if lines else 'no output'}")
    if returncode != 0:  # with --tb=line: each failure's file:line and error, then the short summary
        first = next((number for number, line in enumerate(lines) if " FAILURES " in line or " ERRORS " in line), -40)
        print("\n".join(f"   {line}" for line in lines[first:]))


def main() -> int:
    check_faketime_moves_the_clock(INSTANTS[0])
    failed = []
    with tempfile.TemporaryDirectory(prefix="itops-instants-") as work_dir, \
            concurrent.futures.ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        runs = [pool.submit(run_at, instant, Path(work_dir), index) for index, instant in enumerate(INSTANTS)]
        for run in runs:
            instant, returncode, log, elapsed_s = run.result()
            _report(instant, returncode, log, elapsed_s)
            if returncode != 0:
                failed.append(instant.label)
    if failed:
        print("date-sensitive tests failed at:\n" + "\n".join(f"  {label}" for label in failed))
    print(f"date-sensitive tests passed at {len(INSTANTS) - len(failed)} of {len(INSTANTS)} instants")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
