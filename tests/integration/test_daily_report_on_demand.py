"""The daily inspection report on demand and made up at start, from the real collector app on a set clock,
through the real `itops report daily` CLI: at 10:00 in Shanghai yesterday's missed evening is made at start,
today's report is made now and says it is interim (and is not stored), a past day has only its stored one."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from datetime import UTC, datetime

import pytest

from .clocked_collector import ADMIN_TOKEN, ClockedCollector, SetClock
from .conftest import BIN, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

MORNING = datetime(2031, 5, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, years from any real date the suite runs on
REPORTS = "alerting: {shipped_rules: false, incidents: {}}\nreports: {languages: [zh-CN, en], formats: [csv]}\n"


@pytest.fixture
def collector(tmp_path):
    running = ClockedCollector(tmp_path, SetClock(MORNING), extra_config=REPORTS).start()
    yield running
    running.stop()


def itops(collector: ClockedCollector, *args: str) -> subprocess.CompletedProcess:
    """``itops report daily`` run in the collector's work directory (where a file named by the server goes)."""
    return subprocess.run([BIN / "itops", "--url", collector.http_url, "report", "daily", *args], cwd=collector.workdir,
                          capture_output=True, text=True, timeout=60, env={"ITOPS_TOKEN": ADMIN_TOKEN, "PATH": "/usr/bin:/bin"})


def test_a_missed_evening_is_made_up_at_start_and_todays_report_is_interim(collector, tmp_path):
    daily = tmp_path / "state" / "reports" / "daily"
    made_up = sorted(f"2031-05-19.{language}.{fmt}" for language in ("zh-CN", "en") for fmt in ("html", "txt"))
    wait_until(lambda: sorted(p.name for p in daily.glob("*")) == made_up, 30, "yesterday's made-up reports")
    yesterday = (daily / "2031-05-19.en.txt").read_text()
    assert yesterday.startswith("Daily IT inspection 2031-05-19\nGenerated: 2031-05-20 10:00 (Asia/Shanghai)\n")

    done = itops(collector, "--lang", "en", "--format", "txt", "-o", str(tmp_path / "today.txt"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "today.txt")
    assert (tmp_path / "today.txt").read_text().startswith(
        "Daily IT inspection 2031-05-20\n"
        "Interim report as of 2031-05-20 10:00; the report made at 2031-05-20 18:00 is the record of the day.\n")
    assert sorted(p.name for p in daily.glob("*")) == made_up, "an on-demand report is not stored"

    done = itops(collector, "--date", "2031-05-20")  # zh-CN HTML by default, named by the collector
    assert (done.returncode, done.stdout) == (0, "itops-daily-report-2031-05-20.zh-CN.html\n"), done.stderr
    page = (tmp_path / "itops-daily-report-2031-05-20.zh-CN.html").read_text()
    assert "临时报告：截至 2031-05-20 10:00。以每晚 2031-05-20 18:00 生成的日报为准。" in page

    done = itops(collector, "--date", "2031-05-19", "--lang", "en", "--format", "txt", "-o", str(tmp_path / "y.txt"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "y.txt").read_text() == yesterday and "Interim" not in yesterday


def test_a_past_day_has_only_its_stored_report_and_a_future_day_none(collector, tmp_path):
    done = itops(collector, "--date", "2031-05-18")
    assert done.returncode == 1
    assert "HTTP 404" in done.stderr and "only today's is made on demand" in done.stderr
    done = itops(collector, "--date", "2031-05-21")
    assert done.returncode == 1 and "date: 2031-05-21 has not begun yet (today is 2031-05-20)" in done.stderr


def test_the_api_says_whether_the_report_was_stored_or_made_now_and_what_today_is(collector):
    def get(path: str):
        request = urllib.request.Request(collector.http_url + path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        return urllib.request.urlopen(request, timeout=30)

    wait_until(lambda: any(r["kind"] == "daily" for r in json.load(get("/api/v1/reports"))["reports"]), 30,
               "the made-up daily report")
    listing = json.load(get("/api/v1/reports"))
    assert (listing["today"], listing["time_zone"]) == ("2031-05-20", "Asia/Shanghai")
    with get("/api/v1/reports/daily?lang=en&format=html") as response:
        assert response.headers["X-Itops-Report-Source"] == "generated"
        assert response.headers["Content-Disposition"] == 'attachment; filename="itops-daily-report-2031-05-20.en.html"'
        assert '<p class="interim">Interim report as of 2031-05-20 10:00' in response.read().decode()
    with get("/api/v1/reports/daily?date=2031-05-19&lang=en&format=html") as response:
        assert response.headers["X-Itops-Report-Source"] == "stored"
