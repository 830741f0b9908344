"""Runbooks in the console, in a real headless chromium against the real collector: the collector serves each
runbook's zh-CN and en section as escaped HTML to viewers, and names the runbooks of an incident's alerts; an
alert's row shows its description and links its runbook; the alert page a notification links to and the
incident page show the runbook; the runbook page in zh-CN and en at desktop and phone sizes, without horizontal
scrolling or words broken across lines."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from itops.alerting.dispatch.messages import runbook_link
from itops.alerting.rules.model import Alert, AlertState, Severity

from .conftest import wait_until
from .console_support import (DESKTOP, PHONE, USERS, admin_call, assert_fits_the_width, browser, console_tab,
                              disk_rule, fire_incident, log_in, running_console_collector)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

RUNBOOK = "HostFilesystemFull"
RULES = disk_rule(RUNBOOK, {
    "summary": "disk {{ value | percent }} full on {{ labels.host }}",
    "summary_zh": "{{ labels.host }} 磁盘使用率 {{ value | percent }}",
    "description": "The disk of {{ labels.host }} is more than 90% full; writes will fail soon.",
    "description_zh": "{{ labels.host }} 的磁盘使用率超过 90%，写入即将失败。",
    "runbook": RUNBOOK})
# What each language's section of the runbook begins with, and a sentence only the other one has.
OPENING = {"en": "Meaning: a filesystem is more than 95% full.", "zh-CN": "含义：文件系统使用率超过 95%。"}
DESCRIPTION = {"en": "The disk of {host} is more than 90% full; writes will fail soon.",
               "zh-CN": "{host} 的磁盘使用率超过 90%，写入即将失败。"}
LANGUAGE_OF = {name: language for name, (_role, language) in USERS.items()}
# ASCII words that a line break may not cut; a longer token cannot fit a phone's line in any layout.
WORDS_BROKEN_ACROSS_LINES = """(root) => {
    const broken = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/[A-Za-z0-9_]+/g)) {
            if (match[0].length > 30) continue;
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            if (new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


@pytest.fixture(scope="module")
def console(tmp_path_factory, tls_dir):
    yield from running_console_collector(tmp_path_factory.mktemp("console-runbooks"), tls_dir, RULES)


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def tab(request, browser):
    yield from console_tab(browser, request.param)


def _get(console, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(console.http_url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def _viewer_token(console, name: str = "runbook-reader") -> str:
    return admin_call(console, "POST", "/api/v1/users/li/tokens", {"name": name})["token"]


def _alert_of(console, host: str) -> dict:
    return wait_until(lambda: [a for a in admin_call(console, "GET", "/api/v1/alerts")["alerts"]
                               if a["labels"].get("host") == host][0], 20, f"the alert of {host}")


def _assert_reads_well(page) -> None:
    assert_fits_the_width(page)
    broken = page.evaluate(WORDS_BROKEN_ACROSS_LINES, page.locator("#view").element_handle())
    assert broken == [], f"words broken across lines at {page.viewport_size['width']} px: {broken}"


def _expect_runbook(section, language: str) -> None:
    expect(section.locator(".runbook-text")).to_have_attribute("data-language", language)
    expect(section.locator(".runbook-text p").first).to_have_text(re.compile("^" + re.escape(OPENING[language])))
    expect(section.locator(".runbook-text ol li")).to_have_count(4)
    expect(section.locator(".runbook-text code").first).to_have_text("df -h")


def test_a_viewer_reads_each_language_as_escaped_html_and_unknown_names_are_refused(console):
    viewer = {"Authorization": f"Bearer {_viewer_token(console)}"}
    for language, opening in (("en", "<strong>Meaning</strong>: a filesystem"), ("zh-CN", "<strong>含义</strong>：文件系统")):
        status, body = _get(console, f"/api/v1/runbooks/{RUNBOOK}?language={language}", viewer)
        assert (status, body["name"], body["language"]) == (200, RUNBOOK, language)
        assert body["html"].startswith(f"<p>{opening}")
        assert "<code>du -xh --max-depth=1 &lt;" in body["html"]  # `<mountpoint>` / `<挂载点>` stays text
    assert _get(console, f"/api/v1/runbooks/{RUNBOOK}", viewer)[1]["language"] == "zh-CN"
    assert _get(console, f"/api/v1/runbooks/{RUNBOOK}?language=fr", viewer) == (
        400, {"error": "language: expected one of zh-CN, en, got 'fr'", "parameter": "language"})
    for name in ("NoSuchRule", "..%2Frunbooks%2FREADME", "README"):
        status, body = _get(console, f"/api/v1/runbooks/{name}?language=en", viewer)
        assert (status, body["parameter"]) == (404, "name"), (name, body)
    status, body = _get(console, f"/api/v1/runbooks/{RUNBOOK}", {})
    assert (status, body["error"]) == (401, "log in or send an API token")


def test_the_runbooks_of_an_incidents_alerts_are_listed_for_a_viewer(console, tls_dir):
    viewer = {"Authorization": f"Bearer {_viewer_token(console, 'incident-reader')}"}
    incident = fire_incident(console, tls_dir, "pc-silenced")
    query = "&".join(f"fingerprint={fingerprint}" for fingerprint in [*incident["fingerprints"], "0123456789abcdef"])
    assert _get(console, f"/api/v1/runbooks?{query}", viewer) == (
        200, {"runbooks": [{"name": RUNBOOK, "fingerprints": incident["fingerprints"]}]})
    assert _get(console, "/api/v1/runbooks", viewer) == (
        400, {"error": "fingerprint: give 1 to 500 alert fingerprints, got 0", "parameter": "fingerprint"})
    assert _get(console, f"/api/v1/runbooks?{query}", {})[0] == 401


@pytest.mark.parametrize("user", ["wang", "zhao"])
def test_the_alerts_list_shows_the_description_and_links_the_runbook_page(console, tls_dir, tab, user, tmp_path):
    language = LANGUAGE_OF[user]
    fire_incident(console, tls_dir, "pc-flow")
    log_in(tab, console, user)
    tab.click("#nav a[href='#/alerts']")
    row = tab.locator("tr.alert", has_text="host=pc-flow")
    expect(row.locator("td.description")).to_have_text(DESCRIPTION[language].format(host="pc-flow"))
    _assert_reads_well(tab)
    tab.screenshot(path=tmp_path / "alerts.png", full_page=True)
    row.locator("td.runbook-cell a").click()
    assert tab.url.endswith(f"#/runbooks/{RUNBOOK}")
    page_section = tab.locator(f"section.runbook[data-runbook={RUNBOOK}]")
    expect(page_section.locator("h1")).to_have_text(re.compile(rf"· {RUNBOOK}$"))
    _expect_runbook(page_section, language)
    _assert_reads_well(tab)
    tab.screenshot(path=tmp_path / "runbook.png", full_page=True)
    other = "en" if language == "zh-CN" else "zh-CN"
    page_section.locator(f".runbook-languages a[data-language='{other}']").click()
    assert tab.url.endswith(f"#/runbooks/{RUNBOOK}?language={other}")  # a link to this language's page
    _expect_runbook(page_section, other)
    _assert_reads_well(tab)


@pytest.mark.parametrize("user", ["wang", "zhao"])
def test_the_alert_page_a_notification_links_shows_its_runbook(console, tls_dir, tab, user):
    language = LANGUAGE_OF[user]
    fire_incident(console, tls_dir, "pc-phone-with-a-rather-long-host-name-0042")
    alert = _alert_of(console, "pc-phone-with-a-rather-long-host-name-0042")
    log_in(tab, console, user)
    tab.goto(f"{console.http_url}/console/#/alerts/{alert['fingerprint']}")
    description = DESCRIPTION[language].format(host="pc-phone-with-a-rather-long-host-name-0042")
    expect(tab.locator(".alert-detail .field-row[data-field=description] dd")).to_have_text(description)
    _expect_runbook(tab.locator(f".alert-detail section.runbook[data-runbook={RUNBOOK}]"), language)
    _assert_reads_well(tab)


@pytest.mark.parametrize("user", ["wang", "zhao"])
def test_the_incident_page_shows_the_runbook_of_its_alert(console, tls_dir, tab, user, tmp_path):
    language = LANGUAGE_OF[user]
    incident = fire_incident(console, tls_dir, "finance-pc-07")
    log_in(tab, console, user)
    tab.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    section = tab.locator(f".incident-detail section.runbook[data-runbook={RUNBOOK}]")
    _expect_runbook(section, language)
    other = "en" if language == "zh-CN" else "zh-CN"
    section.locator(f".runbook-languages a[data-language='{other}']").click()
    _expect_runbook(section, other)  # switched in place: the incident stays on screen
    assert tab.url.endswith(f"#/incidents/{incident['id']}")
    tab.wait_for_timeout(5500)  # past one refresh of the incident: the chosen language stays
    _expect_runbook(section, other)
    _assert_reads_well(tab)
    tab.screenshot(path=tmp_path / "incident-runbook.png", full_page=True)
    section.locator("h2 a").click()
    _expect_runbook(tab.locator(f"section.runbook[data-runbook={RUNBOOK}]"), other)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_runbook_link_of_a_notification_opens_that_language(console, tab, language):
    notified = Alert(rule=RUNBOOK, labels={"alertname": RUNBOOK}, annotations={"runbook": RUNBOOK},
                     severity=Severity.P2, state=AlertState.FIRING)
    link = runbook_link(notified, console.http_url, language)
    log_in(tab, console, "wang" if language == "zh-CN" else "zhao")  # a user who reads the other language
    tab.goto(link)
    _expect_runbook(tab.locator(f"section.runbook[data-runbook={RUNBOOK}]"), language)
    _assert_reads_well(tab)


def test_the_page_of_an_alert_no_longer_held_says_so(console, tab):
    log_in(tab, console, "li")
    tab.goto(f"{console.http_url}/console/#/alerts/0123456789abcdef")
    expect(tab.locator(".alert-detail .notice")).to_have_text(
        "This alert is no longer held: resolved alerts are kept for a while only.")
    expect(tab.locator(".alert-detail .alert-runbooks")).to_be_attached()
    expect(tab.locator(".alert-detail section.runbook")).to_have_count(0)  # an unknown alert names none


def test_an_unknown_runbook_page_says_so(console, tab):
    log_in(tab, console, "li")
    tab.goto(f"{console.http_url}/console/#/runbooks/NoSuchRule")
    expect(tab.locator("section.runbook .notice")).to_have_text("No such runbook")
