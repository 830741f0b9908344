"""The web console in a real headless chromium against the real collector: log in, an alert opens an incident
that shows up with a ticking SLA countdown, acknowledge (the response clock stops), resolve; roles, phone
layout, languages, and how the console is served (CSP, caching, no inline script)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import wait_until
from .console_support import (admin_call, assert_fits_the_width, browser, console_agent, fire_incident, log_in,
                              open_incident_by_hand, page, phone_page, push_disk_usage, running_console_collector,
                              say_hello)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def console(tmp_path_factory, tls_dir):
    yield from running_console_collector(tmp_path_factory.mktemp("console"), tls_dir)




def _field(page, name: str):
    return page.locator(f".field-row[data-field={name}] dd")


def _fill_and_submit(form, values: dict[str, str]) -> None:
    for selector, value in values.items():
        if selector.startswith("select"):
            form.locator(selector).select_option(value)
        else:
            form.locator(selector).fill(value)
    form.locator("button[type=submit]").click()


def test_served_with_csp_no_inline_script_and_no_caching_of_the_shell(console):
    with urllib.request.urlopen(console.http_url + "/", timeout=10) as response:
        assert response.url == console.http_url + "/console/"
        shell = response.read().decode()
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", shell, re.S)
    assert scripts and all('src="' in attributes and body.strip() == "" for attributes, body in scripts)
    assert "http://" not in shell and "https://" not in shell, "everything comes from the collector"
    with urllib.request.urlopen(console.http_url + "/console/static/app.js", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert "Content-Security-Policy" in response.headers
    for bad in ("..%2Fconsole%2F__init__.py", "__init__.py", "nothing.js"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(console.http_url + "/console/static/" + bad, timeout=10)
        assert refused.value.code == 404


def test_wrong_password_shows_an_error_and_stays_on_login(console, page):
    log_in(page, console, "wang", "not the password")
    expect(page.locator(".login-error")).to_have_text("Wrong user name or password")
    assert page.url.endswith("#/login")


def test_alert_opens_incident_acknowledge_stops_response_clock_then_resolve(console, page, tls_dir, tmp_path):
    log_in(page, console, "wang")
    expect(page.locator("#who-name")).to_have_text("Wang")
    expect(page.locator("#who-role")).to_have_text("Operator")
    incident = fire_incident(console, tls_dir, "pc-flow")
    row = page.locator("tr.incident", has=page.locator(f"a:text-is('{incident['id']}')"))
    expect(row).to_be_visible(timeout=10_000)  # the list refreshes by itself
    clock = row.locator(".sla-clock[data-kind=response]")
    expect(clock).to_have_class(re.compile(r"\bsla-running\b"))
    first = clock.inner_text()
    assert re.fullmatch(r"Response left 00:(29|30):\d\d", first), first  # P2: respond within 30 min
    expect(clock).not_to_have_text(first, timeout=3000)  # it ticks between refreshes
    page.screenshot(path=tmp_path / "incident-list.png", full_page=True)

    row.locator("td.id a").click()
    expect(_field(page, "state")).to_have_text("Open")
    expect(page.locator(".incident-detail .sla-clock[data-kind=response]")).to_have_text(
        re.compile(r"Response left 00:(29|30):\d\d · due \d\d/\d\d/\d{4}, \d\d:\d\d:\d\d"))
    expect(_field(page, "assets")).to_contain_text("pc-flow")
    page.click("button[data-action=ack]")
    expect(_field(page, "state")).to_have_text("Acknowledged")
    response_clock = page.locator(".incident-detail .sla-clock[data-kind=response]")
    expect(response_clock).to_have_text("Response met")
    expect(response_clock).to_have_class(re.compile(r"\bsla-met\b"))
    expect(page.locator(".incident-detail .sla-clock[data-kind=resolution]")).to_have_class(re.compile(r"\bsla-running\b"))

    page.click("button[data-action=start]")
    expect(_field(page, "state")).to_have_text("In progress")
    page.click("button[data-action=resolve]")
    _fill_and_submit(page.locator("form[data-form=resolve]"), {
        "textarea[name=cause]": "log files filled /var", "textarea[name=resolution]": "rotated and compressed the logs"})
    page.click("[data-dialog=still-firing] [data-confirm=force]")  # the disk alert still fires
    expect(_field(page, "state")).to_have_text("Resolved")
    expect(_field(page, "cause")).to_have_text("log files filled /var")
    expect(page.locator(".incident-detail .sla-clock[data-kind=resolution]")).to_have_text("Resolution met")
    expect(page.locator(".timeline li[data-kind=transition]")).to_have_count(3)
    page.screenshot(path=tmp_path / "incident-resolved.png", full_page=True)
    stored = admin_call(console, "GET", f"/api/v1/incidents/{incident['id']}")
    assert (stored["state"], stored["resolution"]) == ("resolved", "rotated and compressed the logs")
    assert stored["acknowledged_at"] is not None and stored["sla"]["response"]["state"] == "met"


def test_a_business_hours_clock_stands_still_off_hours_and_shows_its_deadline(console, page):
    # Here P4 counts on business hours with this whole week off: its response clock must not move.
    incident = admin_call(console, "POST", "/api/v1/incidents", {
        "title": "scanner on 3F offline", "severity": "P4", "category": "hardware", "assets": [{"name": "scan-3f"}]})
    response = incident["sla"]["response"]
    assert (response["state"], response["counting"], response["remaining_s"]) == ("running", False, 3600.0)
    log_in(page, console, "wang")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    clock = page.locator(".incident-detail .sla-clock[data-kind=response]")
    expect(clock).to_contain_text("off the clock")
    first = clock.inner_text()
    # Due one working hour into the first day after the week off: 09:30 in Shanghai.
    assert re.fullmatch(r"Response left 01:00:00 · off the clock · due \d\d/\d\d/\d{4}, 09:30:00 \(UTC\+8\)", first), first
    page.wait_for_timeout(2500)
    assert clock.inner_text() == first


def test_times_are_shown_in_the_collectors_zone(console, page):
    incident = open_incident_by_hand(console, "clock drift on the attendance clock")
    log_in(page, console, "wang")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    opened = _field(page, "opened_at").inner_text()
    # The browser is in New York; Asia/Shanghai is UTC+8 all year.
    expected = admin_call(console, "GET", f"/api/v1/incidents/{incident['id']}")["opened_at"]
    hour_utc = int(expected[11:13])
    assert re.search(rf"\b{(hour_utc + 8) % 24:02d}:{expected[14:16]}:\d\d\b", opened), (opened, expected)


def test_viewer_sees_no_actions_and_a_forced_call_is_refused(console, page):
    incident = open_incident_by_hand(console, "uplink to branch office down")
    log_in(page, console, "li")
    expect(page.locator("#who-role")).to_have_text("Viewer")
    expect(page.locator(f"a:text-is('{incident['id']}')")).to_be_visible()
    expect(page.locator("button[data-action=ack]")).to_have_count(0)
    expect(page.locator("a[href='#/report']")).to_have_count(0)
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    expect(_field(page, "state")).to_have_text("Open")
    expect(page.locator(".actions button")).to_have_count(0)
    status = page.evaluate("""async (id) => {
        const csrf = JSON.parse(sessionStorage.getItem("itops.session")).csrf_token;
        const response = await fetch(`/api/v1/incidents/${id}/ack`, {method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: "{}"});
        return response.status;
    }""", incident["id"])
    assert status == 403
    assert admin_call(console, "GET", f"/api/v1/incidents/{incident['id']}")["state"] == "open"
    page.click("#nav a[href='#/silences']")
    expect(page.locator("#view h1")).to_have_text("Silences")  # drawn with the form, when the user may silence
    expect(page.locator("form.silence-form")).to_have_count(0)


def test_operator_acknowledges_from_the_list_and_the_button_goes(console, page):
    incident = open_incident_by_hand(console, "core switch fan failure in rack B3")
    log_in(page, console, "wang")
    expect(page.locator("#who-role")).to_have_text("Operator")
    row = page.locator("tr.incident", has_text="core switch fan failure in rack B3")
    expect(row.locator(".badge.state-open")).to_have_text("Open")
    row.locator("button[data-action=ack]").click()
    expect(row.locator(".badge.state-acknowledged")).to_be_visible()
    expect(row.locator("button[data-action=ack]")).to_have_count(0)
    stored = admin_call(console, "GET", f"/api/v1/incidents/{incident['id']}")
    assert stored["state"] == "acknowledged" and stored["acknowledged_at"] is not None


def test_phone_list_has_no_horizontal_overflow_and_a_big_acknowledge_button(console, phone_page, tls_dir, tmp_path):
    page = phone_page
    fire_incident(console, tls_dir, "pc-phone-with-a-rather-long-host-name-0042")
    open_incident_by_hand(console, r"\\fileserver01\finance_quarterly_reports_2026_archive_readonly unreachable")
    log_in(page, console, "wang")
    button = page.locator("tr.incident button[data-action=ack]").first
    expect(button).to_be_visible()
    page.screenshot(path=tmp_path / "phone-list.png", full_page=True)
    assert_fits_the_width(page)
    assert button.bounding_box()["height"] >= 44
    page.locator("tr.incident td.id a").first.click()
    expect(page.locator(".incident-detail button[data-action=ack]")).to_be_visible()
    page.screenshot(path=tmp_path / "phone-detail.png", full_page=True)
    assert_fits_the_width(page)
    assert page.locator(".incident-detail button[data-action=ack]").bounding_box()["height"] >= 44


def test_zh_cn_user_gets_chinese_labels_and_can_switch_to_english(console, page):
    open_incident_by_hand(console, "机房空调告警")
    log_in(page, console, "zhao")
    expect(page.locator("#nav a.active")).to_have_text("故障单")
    expect(page.locator("#who-role")).to_have_text("运维")
    expect(page.locator("tr.incident button[data-action=ack]").first).to_have_text("响应")
    expect(page.locator("tr.incident .badge.state-open").first).to_have_text("待响应")
    page.select_option("#language", "en")
    expect(page.locator("#nav a.active")).to_have_text("Incidents")
    page.reload()
    expect(page.locator("#nav a.active")).to_have_text("Incidents")  # the choice is remembered


def test_report_an_incident_by_hand_opens_its_page(console, page):
    log_in(page, console, "wang")
    page.click("a[href='#/report']")
    _fill_and_submit(page.locator("form.report-form"), {
        "input[name=title]": "printer pr-7 jams on every job", "select[name=severity]": "P4",
        "select[name=category]": "hardware", "textarea[name=assets]": "pr-7 / ZC-0107",
        "textarea[name=description]": "finance office, 2nd floor"})
    expect(_field(page, "assets")).to_have_text("pr-7 (Asset number ZC-0107)")
    expect(_field(page, "reporter")).to_have_text("wang")
    expect(_field(page, "source")).to_have_text("Reported by hand")
    expect(page.locator(".timeline li[data-kind=note]")).to_contain_text("finance office, 2nd floor")
    assert page.url.split("#/incidents/")[1].startswith("INC-")


def test_alerts_page_and_silence_added_and_expired_from_the_console(console, page, tls_dir, tmp_path):
    push_disk_usage(console, tls_dir, console.agent_tokens["pc-silenced"], "pc-silenced", 0.95)
    log_in(page, console, "wang")
    page.click("#nav a[href='#/silences']")
    _fill_and_submit(page.locator("form.silence-form"), {
        "textarea[name=matchers]": 'host="pc-silenced"', "input[name=duration]": "1h",
        "input[name=comment]": "disk being replaced"})
    row = page.locator("tr", has_text="disk being replaced")
    expect(row).to_contain_text('host="pc-silenced"')
    page.click("#nav a[href='#/alerts']")
    alert = page.locator("tr.alert", has_text="host=pc-silenced")
    expect(alert).to_contain_text("disk 0.95 full on pc-silenced")
    expect(alert.locator(".muted")).to_contain_text("silence")
    page.screenshot(path=tmp_path / "alerts.png", full_page=True)
    page.click("#nav a[href='#/silences']")
    page.locator("tr", has_text="disk being replaced").locator("button[data-action=expire]").click()
    expect(page.locator("tr", has_text="disk being replaced")).to_have_count(0)
    assert all(s["comment"] != "disk being replaced" for s in admin_call(console, "GET", "/api/v1/silences")["silences"])


def test_hosts_page_lists_the_agent_with_its_status(console, page, tls_dir, tmp_path):
    token = console.agent_tokens["finance-pc-07"]
    say_hello(console, tls_dir, token, console_agent("finance-pc-07"), "finance-pc-07")
    push_disk_usage(console, tls_dir, token, "finance-pc-07", 0.1)
    # The directory keeps its list for 5 s (the console polls it, and so do the fleet figures every self-sample):
    # the page is opened once the list holds the new host, and shows what the list says.
    wait_until(lambda: any(entity["name"] == "finance-pc-07"
                           for entity in admin_call(console, "GET", "/api/v1/entities")["entities"]),
               20, "the new host in the entity directory")
    log_in(page, console, "wang")
    page.click("#nav a[href='#/hosts']")
    host = page.locator("tr.entity", has_text="finance-pc-07")
    expect(host).to_be_visible()
    expect(host.locator(".badge").first).to_have_text(re.compile(r"^(OK|Warning|Critical)$"))
    page.screenshot(path=tmp_path / "hosts.png", full_page=True)


def test_reports_page_lists_stored_reports_and_makes_a_month_on_demand(console, page, tmp_path):
    # At start-up the scheduler made up last month's report, which the page lists for download.
    wait_until(lambda: admin_call(console, "GET", "/api/v1/reports")["reports"], 60, "last month's stored report")
    log_in(page, console, "wang")
    page.click("#nav a[href='#/reports']")
    expect(page.locator("tr", has_text="Monthly SLA report").first).to_be_visible()
    page.locator("#monthly-form select[name=format]").select_option("csv")
    year = page.locator("#monthly-form select[name=year] option").nth(1).get_attribute("value")  # last year
    page.locator("#monthly-form select[name=year]").select_option(year)
    page.locator("#monthly-form select[name=month]").select_option("10")
    with page.expect_download() as made:
        page.click("#make-report")
    saved = tmp_path / made.value.suggested_filename
    made.value.save_as(saved)
    assert saved.name.endswith(".csv") and f"{year}-10" in saved.name
    assert "Incidents by severity" in saved.read_text(encoding="utf-8-sig")  # wang reads English
    page.screenshot(path=tmp_path / "reports.png", full_page=True)


def test_phone_top_bar_with_every_page_has_no_horizontal_overflow(console, phone_page):
    log_in(phone_page, console, "wang")
    phone_page.click("#nav a[href='#/reports']")
    expect(phone_page.locator("#monthly-form")).to_be_visible()
    assert_fits_the_width(phone_page)


def test_a_long_list_shows_the_newest_and_says_how_many_match(console, page):
    # Last in this module: it leaves more open incidents behind than one page holds.
    already = admin_call(console, "GET", "/api/v1/incidents?open=1&limit=1")["total"]
    for number in range(201 - already):
        open_incident_by_hand(console, f"patch window reminder {number}")
    newest = open_incident_by_hand(console, "the newest one")
    log_in(page, console, "wang")
    expect(page.locator(".shown-count")).to_have_text(
        f"Showing the newest 200 of {max(already, 201) + 1} matching incidents; narrow the filter to see others")
    expect(page.locator("tr.incident")).to_have_count(200)
    expect(page.locator("tr.incident").first.locator("td.id")).to_have_text(newest["id"])
