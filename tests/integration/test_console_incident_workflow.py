"""The incident page's workflow in a real headless chromium against the real collector: a step entered after it
happened (its time typed in the collector's zone, the timeline saying who entered it when), resolve straight
from acknowledged, the report form's reported/occurred times, and resolving while the alert still fires (a
confirmation in the page, then `force`), at desktop and phone sizes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from . import test_console
from .console_support import admin_call, assert_fits_the_width, browser, fire_incident, log_in, page, phone_page
from .test_console import _field, _fill_and_submit

# test_console's collector, under the name the tests ask for (this module gets its own collector and browser)
console = test_console.console

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _typed(moment: datetime) -> str:
    """What a person types into a datetime-local input, in the collector's zone."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _shown(moment: datetime) -> str:
    """How the console (en-US) shows a time, in the collector's zone."""
    return moment.astimezone(SHANGHAI).strftime("%m/%d/%Y, %H:%M:%S (UTC+8)")


def _open_reported(console, title: str, reported: datetime) -> dict:
    return admin_call(console, "POST", "/api/v1/incidents", {
        "title": title, "severity": "P3", "category": "network", "reported_at": reported.isoformat()})


def test_acknowledged_at_an_earlier_time_then_resolved_from_acknowledged(console, page, tmp_path):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    reported, acked = now - timedelta(hours=6), now - timedelta(hours=5, minutes=48)
    incident = _open_reported(console, "core switch reboots at night", reported)
    log_in(page, console, "wang")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    expect(_field(page, "opened_at")).to_have_text(_shown(reported))
    page.click("button[data-action=ack-at]")
    form = page.locator("form[data-form=ack]")
    expect(form.locator("input[name=at]")).to_have_attribute("type", "datetime-local")
    _fill_and_submit(form, {"input[name=at]": _typed(acked)})
    expect(_field(page, "state")).to_have_text("Acknowledged")
    expect(_field(page, "acknowledged_at")).to_have_text(_shown(acked))
    entry = page.locator(".timeline li[data-kind=transition]").last
    expect(entry.locator("time")).to_have_text(_shown(acked))
    expect(entry.locator(".entered")).to_have_text(re.compile(r"\(entered by wang at \d\d/\d\d/\d{4}, \d\d:\d\d:\d\d \(UTC\+8\)\)"))
    stored = admin_call(console, "GET", f"/api/v1/incidents/{incident['id']}")
    assert stored["acknowledged_at"] == acked.isoformat() and stored["sla"]["response"]["elapsed_s"] <= 12 * 60

    page.click("button[data-action=resolve]")  # no "start work" needed
    _fill_and_submit(page.locator("form[data-form=resolve]"), {
        "textarea[name=cause]": "firmware bug", "textarea[name=resolution]": "upgraded the firmware"})
    expect(_field(page, "state")).to_have_text("Resolved")
    page.screenshot(path=tmp_path / "incident-backdated.png", full_page=True)


def test_a_time_before_the_previous_step_is_refused_in_the_page(console, page):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    incident = _open_reported(console, "UPS alarm phoned in", now - timedelta(hours=1))
    log_in(page, console, "wang")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    page.click("button[data-action=ack-at]")
    _fill_and_submit(page.locator("form[data-form=ack]"), {"input[name=at]": _typed(now - timedelta(hours=2))})
    expect(page.locator(".notices")).to_contain_text("before the incident's previous step")
    expect(page.locator("form[data-form=ack]")).to_be_visible()  # still there to correct
    expect(_field(page, "state")).to_have_text("Open")


def test_report_form_takes_the_reported_and_occurred_times(console, page):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    reported, occurred = now - timedelta(hours=10), now - timedelta(hours=10, minutes=25)
    log_in(page, console, "wang")
    page.click("a[href='#/report']")
    _fill_and_submit(page.locator("form.report-form"), {
        "input[name=title]": "server room too hot, phoned in last night", "select[name=category]": "environment",
        "input[name=reported_at]": _typed(reported), "input[name=occurred_at]": _typed(occurred)})
    expect(_field(page, "opened_at")).to_have_text(_shown(reported))
    expect(_field(page, "occurred_at")).to_have_text(_shown(occurred))
    stored = admin_call(console, "GET", f"/api/v1/incidents/{page.url.split('#/incidents/')[1]}")
    assert (stored["opened_at"], stored["occurred_at"]) == (reported.isoformat(), occurred.isoformat())


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_resolving_while_the_alert_fires_asks_in_the_page_then_forces(console, page, phone_page, tls_dir, tmp_path, size):
    tab = page if size == "desktop" else phone_page
    host = {"desktop": "pc-silenced", "phone": "finance-pc-07"}[size]
    incident = fire_incident(console, tls_dir, host)
    log_in(tab, console, "wang")
    tab.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    tab.click("button[data-action=ack]")
    expect(_field(tab, "state")).to_have_text("Acknowledged")
    tab.click("button[data-action=resolve]")
    _fill_and_submit(tab.locator("form[data-form=resolve]"), {
        "textarea[name=cause]": "disk filled by a runaway log", "textarea[name=resolution]": "log rotated"})
    dialog = tab.locator("[data-dialog=still-firing]")
    expect(dialog).to_contain_text("The alert is still firing")
    expect(_field(tab, "state")).to_have_text("Acknowledged")  # nothing sent until confirmed
    tab.screenshot(path=tmp_path / f"still-firing-{size}.png", full_page=True)
    if size == "phone":
        assert_fits_the_width(tab)
        assert dialog.locator("[data-confirm=force]").bounding_box()["height"] >= 44
    dialog.locator("[data-confirm=force]").click()
    expect(_field(tab, "state")).to_have_text("Resolved")
    expect(tab.locator(".timeline li[data-kind=resolved_while_firing]")).to_contain_text("Resolved while firing")
