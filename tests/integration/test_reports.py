"""Reports end to end, in-process: the reports API served by aiohttp on 127.0.0.1 behind the real auth
middleware and user store, the `itops report` CLI against it, and the scheduler writing the files and mailing
them to an aiosmtpd sink."""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.collector.reports.figures.inputs import AvailabilityRow, MonthlyInputs, ReportMonth, report_month
from itops.collector.reports.figures.monthly_report import MonthlyReport, build_monthly_report
from itops.collector.api.access import access_middlewares
from itops.collector.cli.reports import add_report_parser, run_report
from itops.collector.reports.config import ReportEmailConfig, ReportsConfig
from itops.collector.reports.files import daily_report_path
from itops.collector.reports.render.to_file import DAILY_FORMATS
from itops.collector.reports.schedule import ReportScheduler
from itops.collector.reports.routes import add_report_routes
from itops.collector.api.roles import Role
from itops.collector.api.user_store import UserStore
from itops.common.yaml_config import ConfigError, load_text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 11-03 10:00 in Shanghai: October's report is due
OCTOBER = report_month("2026-10", "Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MonthlySource:
    """Builds a month with one host down an hour; counts the months it was asked for."""

    def __init__(self):
        self.asked: list[str] = []

    async def __call__(self, month: ReportMonth) -> MonthlyReport:
        self.asked.append(month.label)
        period_s = (month.end - month.start).total_seconds()
        row = AvailabilityRow("host", "srv-erp-01", "ZC-1001", period_s, 0.0, 3600.0, 0.0, 1.0)
        return build_monthly_report(MonthlyInputs(
            month=month, previous_month=month.previous(), incidents=[], timelines={}, previous_incidents=[],
            sla=SlaPolicy(SlaConfig()), maintenance=[], availability=[row], previous_availability=[], noisy=[],
            consumables=[], generated_at=NOW))


class ServedApp:
    """An aiohttp app on its own loop in a thread, so blocking clients (urllib, the CLI) can call it."""

    def __init__(self, app: web.Application):
        self.loop = asyncio.new_event_loop()
        self.port = free_port()
        self._runner = web.AppRunner(app)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    async def _start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def users(tmp_path):
    store = UserStore.open(f"sqlite:///{tmp_path / 'users.sqlite3'}")
    store.add_user("boss", password="long-enough-pw", role=Role.VIEWER, at=NOW)
    yield store
    store.close()


@pytest.fixture
def token(users) -> str:
    return users.create_token("boss", "reports", NOW)[1]


@pytest.fixture
def source() -> MonthlySource:
    return MonthlySource()


@pytest.fixture
def served(tmp_path, users, source):
    app = web.Application(middlewares=access_middlewares(users, {}, False, lambda: NOW))
    add_report_routes(app, source, tmp_path / "reports", ReportsConfig(), clock=lambda: NOW)
    server = ServedApp(app)
    yield server
    server.close()


def get(url: str, token: str | None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fetched.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def scheduler(tmp_path, source, **config) -> ReportScheduler:
    return ReportScheduler(ReportsConfig(**config), tmp_path, source, clock=lambda: NOW)


def running_clock(start: datetime):
    """A clock that says ``start`` when first asked (so a busy machine cannot overrun it before the scheduler
    starts) and runs at real speed from then on."""
    started: list[float] = []

    def now() -> datetime:
        started[:] = started or [time.monotonic()]
        return start + timedelta(seconds=time.monotonic() - started[0])
    return now


async def wait_for(done, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)


# --- API -----------------------------------------------------------------------------------------------

def test_monthly_pdf_is_made_on_demand_when_not_stored(served, token, source, tmp_path):
    status, headers, body = get(f"{served.url}/api/v1/reports/monthly?month=2026-10&lang=zh-CN&format=pdf", token)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="itops-monthly-report-2026-10.zh-CN.pdf"'
    assert headers["X-Itops-Report-Source"] == "generated"
    assert source.asked == ["2026-10"]
    text = pdf_text(body, tmp_path)
    assert "IT 运维月度 SLA 报告" in text and "srv-erp-01" in text


def test_monthly_html_and_csv_in_english(served, token):
    _, headers, page = get(f"{served.url}/api/v1/reports/monthly?month=2026-10&lang=en&format=html", token)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Monthly IT operations SLA report" in page.decode()
    _, headers, table = get(f"{served.url}/api/v1/reports/monthly?month=2026-10&lang=en&format=csv", token)
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert table.startswith("\ufeff".encode()) and b"srv-erp-01" in table


def test_a_stored_report_is_served_without_making_it_again(served, token, source, tmp_path):
    asyncio.run(scheduler(tmp_path, source, formats=["pdf"]).run_monthly(OCTOBER))
    assert source.asked == ["2026-10"]
    status, headers, body = get(f"{served.url}/api/v1/reports/monthly?month=2026-10", token)
    assert (status, headers["X-Itops-Report-Source"]) == (200, "stored")
    assert body == (tmp_path / "reports" / "monthly" / "2026-10.zh-CN.pdf").read_bytes()
    assert source.asked == ["2026-10"]


@pytest.mark.parametrize(("query", "parameter", "problem"), [
    ("month=2026-13", "month", "expected YYYY-MM"),
    ("month=October", "month", "expected YYYY-MM"),
    ("", "month", "required"),
    ("month=2026-12", "month", "has not begun"),
    ("month=2026-10&format=docx", "format", "expected one of pdf, html, csv"),
    ("month=2026-10&lang=fr", "lang", "expected one of zh-CN, en"),
])
def test_bad_parameters_are_400_naming_the_parameter(served, token, query, parameter, problem):
    status, _, body = get(f"{served.url}/api/v1/reports/monthly?{query}", token)
    answer = json.loads(body)
    assert status == 400
    assert answer["parameter"] == parameter and answer["error"].startswith(f"{parameter}: ") and problem in answer["error"]


def test_reports_need_a_viewer(served):
    status, _, body = get(f"{served.url}/api/v1/reports/monthly?month=2026-10", None)
    assert status == 401 and "error" in json.loads(body)
    assert get(f"{served.url}/api/v1/reports", "not-a-token")[0] == 401


def test_daily_reports_are_served_from_disk_and_listed_with_monthly_ones(served, token, source, tmp_path):
    daily_dir = tmp_path / "reports" / "daily"
    daily_dir.mkdir(parents=True)
    (daily_dir / "2026-11-02.zh-CN.html").write_text("<h1>巡检日报</h1>", encoding="utf-8")
    asyncio.run(scheduler(tmp_path, source, formats=["pdf", "csv"]).run_monthly(OCTOBER))
    status, headers, body = get(f"{served.url}/api/v1/reports/daily?date=2026-11-02", token)
    assert (status, body.decode()) == (200, "<h1>巡检日报</h1>")
    assert headers["Content-Disposition"] == 'attachment; filename="itops-daily-report-2026-11-02.zh-CN.html"'
    assert get(f"{served.url}/api/v1/reports/daily?date=2026-11-01", token)[0] == 404
    assert json.loads(get(f"{served.url}/api/v1/reports/daily?date=11/02", token)[2])["parameter"] == "date"
    listed = json.loads(get(f"{served.url}/api/v1/reports", token)[2])["reports"]
    assert [(r["kind"], r["period"], r["format"]) for r in listed] == [
        ("monthly", "2026-10", "pdf"), ("monthly", "2026-10", "csv"), ("daily", "2026-11-02", "html")]
    assert listed[0]["url"] == "/api/v1/reports/monthly?month=2026-10&lang=zh-CN&format=pdf"
    assert listed[0]["size_bytes"] == (tmp_path / "reports" / "monthly" / "2026-10.zh-CN.pdf").stat().st_size


# --- CLI -----------------------------------------------------------------------------------------------

def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="itops")
    parser.add_argument("--url", default="http://127.0.0.1:1")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    return run_report(parser.parse_args(argv))


def test_cli_saves_the_monthly_report_and_prints_its_path(served, token, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(["report", "monthly", "--month", "2026-10", "--format", "csv", "--lang", "en", "--url", served.url,
                "--token", token]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "itops-monthly-report-2026-10.en.csv"
    assert b"srv-erp-01" in (tmp_path / printed).read_bytes()
    out = tmp_path / "october.pdf"
    assert cli(["--url", served.url, "report", "monthly", "--month", "2026-10", "-o", str(out), "--token", token]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_reports_the_api_error(served, token, capsys):
    assert cli(["report", "monthly", "--month", "2026-13", "--url", served.url, "--token", token]) == 1
    assert "HTTP 400: month: month '2026-13': expected YYYY-MM" in capsys.readouterr().err
    assert cli(["report", "daily", "--date", "2026-11-01", "--url", served.url, "--token", token]) == 1


# --- scheduler -----------------------------------------------------------------------------------------

class MailSink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def test_monthly_run_writes_every_language_and_format_and_mails_pdf_and_csv(tmp_path, source, smtp_sink):
    sink, port = smtp_sink
    mail = ReportEmailConfig(smtp_host="127.0.0.1", smtp_port=port, starttls=False, from_address="itops@example.com",
                             to=["boss@example.com"])
    written = asyncio.run(scheduler(tmp_path, source, languages=["zh-CN", "en"], email=mail)
                          .run_monthly(OCTOBER))
    assert sorted(p.name for p in written) == sorted(f"2026-10.{lang}.{fmt}" for lang in ("zh-CN", "en")
                                                      for fmt in ("pdf", "html", "csv"))
    assert all(p.parent == tmp_path / "reports" / "monthly" and p.stat().st_size > 0 for p in written)
    assert [m["Subject"] for m in sink.messages] == ["IT 运维月度 SLA 报告 2026-10", "Monthly IT operations SLA report 2026-10"]
    attachments = [(a.get_filename(), a.get_content_type()) for a in sink.messages[0].iter_attachments()]
    assert attachments == [("itops-2026-10.zh-CN.pdf", "application/pdf"), ("itops-2026-10.zh-CN.csv", "text/csv")]
    pdf = next(sink.messages[1].iter_attachments()).get_content()
    assert pdf == (tmp_path / "reports" / "monthly" / "2026-10.en.pdf").read_bytes()


def test_a_mail_failure_keeps_the_files(tmp_path, source):
    mail = ReportEmailConfig(smtp_host="127.0.0.1", smtp_port=free_port(), starttls=False,
                             from_address="itops@example.com", to=["boss@example.com"])
    written = asyncio.run(scheduler(tmp_path, source, formats=["csv"], email=mail).run_monthly(OCTOBER))
    assert [p.name for p in written] == ["2026-10.zh-CN.csv"] and written[0].is_file()


def test_a_missed_monthly_run_is_made_up_at_start(tmp_path, source):
    async def scenario() -> dict:
        reports = scheduler(tmp_path, source, formats=["csv"])
        reports.start()
        at_start = reports.next_run_times()
        await wait_for(lambda: reports.next_run_times() != at_start)  # the make-up run is done
        runs = reports.next_run_times()
        reports.stop()
        return runs

    runs = asyncio.run(scenario())
    assert source.asked == ["2026-10"]
    assert runs["monthly_report"].astimezone(UTC) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # Dec 1st 01:00 local
    assert (tmp_path / "reports" / "monthly" / "2026-10.zh-CN.csv").is_file()


def test_no_run_at_start_when_the_due_month_is_there(tmp_path, source):
    async def scenario() -> dict:
        reports = scheduler(tmp_path, source, formats=["csv"], daily_at="18:30")
        await reports.run_monthly(OCTOBER)
        reports.start()
        runs = reports.next_run_times()
        reports.stop()
        return runs

    runs = asyncio.run(scenario())
    assert source.asked == ["2026-10"]  # only the explicit run
    assert runs["monthly_report"].astimezone(UTC) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert "daily_report" not in runs  # no daily generator given


def test_the_monthly_run_happens_at_the_given_clocks_time(tmp_path, source):
    clock = running_clock(datetime(2026, 11, 30, 16, 59, 59, 700_000, tzinfo=UTC))  # Dec 1st 00:59:59.7 local

    async def scenario() -> dict:
        reports = ReportScheduler(ReportsConfig(formats=["csv"]), tmp_path, source, clock=clock)
        await reports.run_monthly(OCTOBER)
        reports.start()
        first = reports.next_run_times()
        await wait_for(lambda: reports.next_run_times() != first)  # it ran, and knows when it runs next
        after = reports.next_run_times()
        reports.stop()
        return {"first": first["monthly_report"], "after": after["monthly_report"]}

    runs = asyncio.run(scenario())
    assert source.asked == ["2026-10", "2026-11"]
    assert runs["first"].astimezone(UTC) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert runs["after"].astimezone(UTC) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # Jan 1st 01:00 local
    assert (tmp_path / "reports" / "monthly" / "2026-11.zh-CN.csv").is_file()


def test_the_daily_run_happens_at_the_given_clocks_time_on_its_local_day(tmp_path, source):
    made: list[date] = []

    async def daily(day: date) -> list[Path]:
        made.append(day)
        return []

    clock = running_clock(datetime(2026, 12, 31, 15, 59, 59, 700_000, tzinfo=UTC))  # 23:59:59.7 local

    async def scenario() -> datetime:
        reports = ReportScheduler(ReportsConfig(daily_at="00:00"), tmp_path, source, daily, clock=clock)
        write_all_monthly(reports, "2026-11")
        write_all_daily(reports, date(2026, 12, 31))
        reports.start()
        first = reports.next_run_times()
        await wait_for(lambda: reports.next_run_times() != first)
        runs = reports.next_run_times()
        reports.stop()
        return runs["daily_report"]

    next_daily = asyncio.run(scenario())
    assert made == [date(2027, 1, 1)] and source.asked == []
    assert next_daily.astimezone(UTC) == datetime(2027, 1, 1, 16, 0, tzinfo=UTC)


def write_all_monthly(reports: ReportScheduler, month_label: str) -> None:
    """The month's files as if made before, so start-up has nothing to make up."""
    for language in reports.config.languages:
        for fmt in reports.config.formats:
            path = reports.reports_dir / "monthly" / f"{month_label}.{language}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"made before")


def write_all_daily(reports: ReportScheduler, day: date) -> None:
    """The day's files as if made that evening."""
    for language in reports.config.languages:
        for fmt in DAILY_FORMATS:
            path = daily_report_path(reports.reports_dir, day, language, fmt)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"made before")


def test_a_missed_evening_is_made_up_at_start(tmp_path, source):
    made: list[date] = []

    async def daily(day: date) -> list[Path]:
        made.append(day)
        return []

    async def scenario() -> datetime:
        reports = ReportScheduler(ReportsConfig(languages=["zh-CN", "en"]), tmp_path, source, daily,
                                  clock=lambda: NOW)
        write_all_monthly(reports, "2026-10")
        write_all_daily(reports, date(2026, 11, 1))
        write_all_daily(reports, date(2026, 11, 2))
        (tmp_path / "reports" / "daily" / "2026-11-02.en.txt").unlink()  # one file missing: the evening was missed
        reports.start()
        first = reports.next_run_times()
        await wait_for(lambda: reports.next_run_times() != first)  # the make-up run is done
        runs = reports.next_run_times()
        reports.stop()
        return runs["daily_report"]

    next_daily = asyncio.run(scenario())
    # at 10:00 local on 11-03 the latest evening due is 11-02's (18:00); today's is not due before 18:00
    assert made == [date(2026, 11, 2)] and source.asked == []
    assert next_daily.astimezone(UTC) == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_no_daily_run_at_start_when_the_due_evening_is_there(tmp_path, source):
    async def daily(day: date) -> list[Path]:
        raise AssertionError(f"made {day} although it was there")

    reports = ReportScheduler(ReportsConfig(), tmp_path, source, daily, clock=lambda: NOW)
    write_all_monthly(reports, "2026-10")
    write_all_daily(reports, date(2026, 11, 2))

    async def scenario() -> dict:
        reports.start()
        runs = reports.next_run_times()
        reports.stop()
        return runs

    assert asyncio.run(scenario())["daily_report"].astimezone(UTC) == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_due_day_turns_at_the_daily_time(tmp_path, source):
    reports = ReportScheduler(ReportsConfig(daily_at="18:30"), tmp_path, source, clock=lambda: NOW)
    assert reports.due_day(datetime(2026, 11, 3, 10, 29, 59, tzinfo=UTC)) == date(2026, 11, 2)  # 18:29:59 local
    assert reports.due_day(datetime(2026, 11, 3, 10, 30, tzinfo=UTC)) == date(2026, 11, 3)
    # 00:30 local on 11-04, past midnight: 11-04's evening has not come, 11-03's is the latest due
    assert reports.due_day(datetime(2026, 11, 3, 16, 30, tzinfo=UTC)) == date(2026, 11, 3)


def test_due_month_turns_at_the_monthly_time_on_the_first(tmp_path, source):
    reports = scheduler(tmp_path, source)
    shanghai_0030 = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # Nov 1st 00:30 local: October not due yet
    assert reports.due_month(shanghai_0030).label == "2026-09"
    assert reports.due_month(datetime(2026, 10, 31, 17, 0, tzinfo=UTC)).label == "2026-10"
    assert reports.due_month(datetime(2027, 1, 5, tzinfo=UTC)).label == "2026-12"


def test_daily_run_calls_the_generator_and_prunes_old_days(tmp_path, source):
    daily_dir = tmp_path / "reports" / "daily"
    made: list[date] = []

    async def daily(day: date) -> list[Path]:
        made.append(day)
        path = daily_dir / f"{day.isoformat()}.zh-CN.html"
        path.write_text("巡检日报", encoding="utf-8")
        return [path]

    daily_dir.mkdir(parents=True)
    for name in ("2026-08-04.zh-CN.html", "2026-08-05.zh-CN.txt", "2026-08-06.en.html", "notes.txt"):
        (daily_dir / name).write_text("old", encoding="utf-8")
    reports = ReportScheduler(ReportsConfig(keep_daily=90), tmp_path, source, daily, clock=lambda: NOW)
    asyncio.run(reports.run_daily(date(2026, 11, 3)))
    assert made == [date(2026, 11, 3)]
    # 90 days before 2026-11-03 is 2026-08-05: older days go, that day and later stay, other files are left
    assert sorted(p.name for p in daily_dir.iterdir()) == ["2026-08-05.zh-CN.txt", "2026-08-06.en.html",
                                                           "2026-11-03.zh-CN.html", "notes.txt"]


# --- config --------------------------------------------------------------------------------------------

def test_config_defaults_and_email_from_field():
    config = load_text("""
languages: [zh-CN, en]
email: {smtp_host: mail.example.com, from: "itops <r@example.com>", to: [boss@example.com]}
""", ReportsConfig, "reports.yaml")
    assert (config.monthly_at, config.daily_at, config.formats, config.keep_daily) == ("01:00", "18:00", ["pdf", "html", "csv"], 90)
    assert config.email.from_address == "itops <r@example.com>" and config.email.starttls


@pytest.mark.parametrize(("text", "field", "problem"), [
    ("daily_at: 18:30", "daily_at", "write the time in quotes, e.g. '18:30'"),  # YAML 1.1 reads 18:30 as 1110
    ("monthly_at: '1am'", "monthly_at", "expected a local time"),
    ("daily_at: '25:00'", "daily_at", "expected a local time"),
    ("time_zone: Mars/Base", "time_zone", "unknown time zone"),
    ("formats: [docx]", "formats[0]", "invalid enum value 'docx'"),
])
def test_config_errors_name_the_field(text, field, problem):
    with pytest.raises(ConfigError) as caught:
        load_text(text, ReportsConfig, "reports.yaml")
    assert field in str(caught.value) and problem in str(caught.value)
