"""How the console writes what it shows, in a real headless chromium against the real collector: readings in
their unit with human names (zh-CN and en), the agent id of each host, the login page and month picker in the
chosen language, times that say their zone, and at desktop and phone sizes no Latin word broken across lines
and no horizontal scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from itops.v1 import ingest_pb2

from .conftest import wait_until
from .console_support import (DESKTOP, admin_call, browser, console_agent, console_tab, log_in,
                              open_incident_by_hand, page, push_check, push_samples, running_console_collector, say_hello)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

PHONE_390 = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE_390}
HOST = "finance-pc-07"
UPS = "ups-finance-3f"


@pytest.fixture(scope="module")
def console(tmp_path_factory, tls_dir):
    collectors = running_console_collector(tmp_path_factory.mktemp("console-formatting"), tls_dir)
    collector = next(collectors)
    token = collector.agent_tokens[HOST]
    say_hello(collector, tls_dir, token, console_agent(HOST), HOST)
    push_samples(collector, tls_dir, token, {
        f'itops_host_cpu_usage_ratio{{cpu="total",host="{HOST}"}}': 0.18,
        f'itops_host_memory_usage_ratio{{host="{HOST}"}}': 0.5,
        f'itops_host_filesystem_usage_ratio{{host="{HOST}",mountpoint="/var/lib/postgresql"}}': 0.26,
        f'itops_ups_battery_charge_ratio{{device="{UPS}"}}': 1.0,
        f'itops_ups_battery_runtime_seconds{{device="{UPS}"}}': 4560.0,
        f'itops_ups_output_source{{device="{UPS}",source="battery"}}': 0.0,
        f'itops_ups_battery_replace_needed{{device="{UPS}"}}': 1.0,
    })
    push_check(collector, tls_dir, token, ingest_pb2.CheckResult(
        check="tcp_connect", target="erp.example.internal:443", status=ingest_pb2.CHECK_STATUS_CRITICAL,
        message="cannot resolve the host name: Name or service not known",
        labels=[ingest_pb2.Label(name="host", value=HOST)],
        message_parts=[ingest_pb2.MessagePart(key="connect.unresolved", args={"error": "Name or service not known"})]))
    wait_until(lambda: len([e for e in admin_call(collector, "GET", "/api/v1/entities")["entities"]
                            if e["metrics"]]) == 2, 20, "the host's and the UPS's readings")
    yield collector
    next(collectors, None)  # its teardown


@pytest.fixture(params=sorted(SIZES))
def sized_page(request, browser):
    yield from console_tab(browser, SIZES[request.param])


@pytest.fixture
def chinese_browser(browser):
    yield from console_tab(browser, DESKTOP, locale="zh-CN")


def _hosts(page, console, user):
    log_in(page, console, user)
    page.click("#nav a[href='#/hosts']")
    rows = [page.locator("tr.entity", has=page.locator("td.title", has_text=re.compile(f"^{name}$"))) for name in (HOST, UPS)]
    expect(rows[1]).to_be_visible()
    return rows


def _reading(row, name):
    return row.locator(f".reading[data-reading={name}]")


def test_readings_are_written_in_their_unit_with_english_names(console, sized_page):
    host, ups = _hosts(sized_page, console, "wang")
    expect(_reading(host, "cpu_usage")).to_have_text("CPU 18 %")
    expect(_reading(host, "fullest_filesystem_usage")).to_have_text("Fullest filesystem /var/lib/postgresql 26 %")
    expect(_reading(ups, "battery_runtime")).to_have_text("Runtime 1 h 16 min")
    expect(_reading(ups, "battery_charge")).to_have_text("Battery 100 %")
    expect(_reading(ups, "on_battery")).to_have_text("Power on mains")
    expect(_reading(ups, "battery_replace_needed")).to_have_text("Battery replace now")
    assert "ratio" not in host.inner_text() and "seconds" not in ups.inner_text()
    # a number never wraps away from its unit ("95.8" at a line's end, "%" on the next), however long the row
    split = sized_page.evaluate("""() => [...document.querySelectorAll(".reading-value")]
        .filter((e) => getComputedStyle(e).whiteSpace !== "nowrap"
                       || new Set([...e.getClientRects()].map((r) => Math.round(r.top))).size > 1)
        .map((e) => e.textContent)""")
    assert split == [], f"values that may be torn from their unit: {split}"


def test_readings_in_chinese(console, page):
    host, ups = _hosts(page, console, "zhao")
    expect(_reading(host, "memory_usage")).to_have_text("内存 50 %")
    expect(_reading(ups, "battery_runtime")).to_have_text("可续航 1 小时 16 分")
    expect(_reading(ups, "on_battery")).to_have_text("供电 市电供电")


def test_a_failing_check_says_what_it_found_in_the_readers_language(console, page, chinese_browser):
    host, _ = _hosts(page, console, "wang")
    line = host.locator(".check-line[data-check=tcp_connect]")
    expect(line.locator(".check-message")).to_have_text("cannot resolve the host name: Name or service not known")
    host, _ = _hosts(chinese_browser, console, "zhao")
    expect(host.locator(".check-line[data-check=tcp_connect] .check-message")).to_have_text(
        "无法解析主机名：Name or service not known")


def test_each_host_shows_its_agent_id(console, sized_page):
    host, ups = _hosts(sized_page, console, "wang")
    expect(host.locator("td.agent-id")).to_have_text(console_agent(HOST))
    expect(ups.locator("td.agent-id")).to_have_text(console_agent(HOST))  # the agent that polls it


def test_login_page_follows_the_browsers_language_then_the_choice(console, chinese_browser, page):
    chinese_browser.goto(console.http_url + "/")
    expect(chinese_browser.locator("form.login h1")).to_have_text("登录 itops 运维控制台")
    expect(chinese_browser.locator("html")).to_have_attribute("lang", "zh-CN")
    chinese_browser.select_option("#language", "en")
    expect(chinese_browser.locator("form.login h1")).to_have_text("Sign in to the itops console")
    expect(chinese_browser.locator("form.login button[type=submit]")).to_have_text("Sign in")
    chinese_browser.reload()
    expect(chinese_browser.locator("form.login h1")).to_have_text("Sign in to the itops console")  # remembered
    page.goto(console.http_url + "/")
    expect(page.locator("form.login .field-label").first).to_have_text("User name")


def test_month_picker_speaks_the_consoles_language(console, page):
    log_in(page, console, "zhao")  # a Chinese user in an English browser
    page.click("#nav a[href='#/reports']")
    month = page.locator("#monthly-form select[name=month]")
    expect(month.locator("option[value='01']")).to_have_text("一月")
    expect(page.locator("#monthly-form input[type=month]")).to_have_count(0)
    page.locator("#monthly-form select[name=year]").select_option(page.locator(
        "#monthly-form select[name=year] option").nth(1).get_attribute("value"))
    month.select_option("10")
    year = page.locator("#monthly-form select[name=year]").input_value()
    expect(page.locator("#make-report")).to_have_attribute("href", re.compile(rf"month={year}-10&lang=zh-CN"))
    page.select_option("#language", "en")
    expect(page.locator("#monthly-form select[name=month] option[value='01']")).to_have_text("January")


def test_every_time_says_its_zone(console, page):
    incident = open_incident_by_hand(console, "clock drift on the attendance clock")
    log_in(page, console, "wang")
    expect(page.locator("tr.incident", has_text=incident["id"])).to_contain_text("(UTC+8)")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    expect(page.locator(".field-row[data-field=opened_at] dd")).to_have_text(re.compile(r"\d\d:\d\d:\d\d \(UTC\+8\)$"))
    expect(page.locator(".timeline time").first).to_have_text(re.compile(r"\(UTC\+8\)$"))


# Every run of Latin letters and digits outside .token (ids, label sets) laid out on two lines although the
# text between its spaces fits on one line of its box: a word broken in the middle. A path longer than the
# line may break where it must; CJK text may break between any two characters.
_BROKEN_WORDS = """() => {
  const rectsOf = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return [...range.getClientRects()].filter((r) => r.width > 0);
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const box = node.parentElement;
    if (!box || box.closest(".token, select, option, script, style, [hidden]")) continue;
    const width = box.clientWidth || box.getBoundingClientRect().width;
    for (const token of node.data.matchAll(/\\S+/g)) {
      if (rectsOf(node, token.index, token.index + token[0].length).reduce((sum, r) => sum + r.width, 0) > width) continue;
      for (const word of token[0].matchAll(/[A-Za-z0-9]+/g)) {
        const start = token.index + word.index;
        const lines = new Set(rectsOf(node, start, start + word[0].length).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${word[0]} in <${box.tagName.toLowerCase()} class="${box.className}">`);
      }
    }
  }
  return broken;
}"""


def _assert_no_broken_words_and_no_overflow(page, where: str) -> None:
    page.wait_for_timeout(300)
    broken = page.evaluate(_BROKEN_WORDS)
    assert broken == [], f"{where}: words broken across lines: {broken}"
    wide = page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.tagName}.${e.className} ${e.textContent.slice(0, 50)}`)""")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), f"{where}: too wide: {wide}"


def test_no_word_breaks_mid_word_and_nothing_overflows(console, sized_page):
    page = sized_page
    incident = open_incident_by_hand(
        console, "Intermittent authentication failures on the accounting workstation after the overnight update")
    admin_call(console, "POST", f"/api/v1/incidents/{incident['id']}/note",
               {"text": "Reconfigured the synchronisation schedule; acknowledgement from the department pending"})
    path = open_incident_by_hand(console, r"\\fileserver01\finance_quarterly_reports_2026_archive_readonly unreachable")
    log_in(page, console, "wang")
    expect(page.locator("tr.incident", has_text=incident["id"])).to_be_visible()
    _assert_no_broken_words_and_no_overflow(page, "incident list")
    for shown in (incident, path):
        page.goto(f"{console.http_url}/console/#/incidents/{shown['id']}")
        expect(page.locator(".timeline li[data-kind=opened]")).to_be_visible()
        _assert_no_broken_words_and_no_overflow(page, f"incident page of {shown['title']}")
    for route, ready in (("#/hosts", "tr.entity"), ("#/reports", "#monthly-form"), ("#/alerts", "h1")):
        page.click(f"#nav a[href='{route}']")
        expect(page.locator(ready).first).to_be_visible()
        _assert_no_broken_words_and_no_overflow(page, route)
    page.select_option("#language", "zh-CN")
    page.click("#nav a[href='#/hosts']")
    expect(page.locator("tr.entity").first).to_be_visible()
    _assert_no_broken_words_and_no_overflow(page, "#/hosts in Chinese")


def test_the_check_finds_a_word_broken_in_the_middle(console, page):
    page.goto(console.http_url + "/")
    expect(page.locator("form.login")).to_be_visible()
    page.evaluate("""() => {
        const text = document.createElement("p");
        Object.assign(text.style, { width: "10rem", wordBreak: "break-all" });
        text.textContent = "the synchronisation of the acknowledgement configuration";
        document.body.append(text);
    }""")
    broken = page.evaluate(_BROKEN_WORDS)
    assert broken and all(re.match(r"(synchronisation|acknowledgement|configuration) in <p", word) for word in broken), broken


def test_the_alerts_list_speaks_one_language(console, page, tls_dir):
    host = "pc-silenced"
    admin_call(console, "POST", "/api/v1/silences",
               {"matchers": [f'host="{host}"'], "duration": "1h", "comment": "disk being replaced"})
    push_samples(console, tls_dir, console.agent_tokens[host], {f'itops_test_disk_used_ratio{{host="{host}"}}': 0.95})
    log_in(page, console, "zhao")
    page.click("#nav a[href='#/alerts']")
    alert = page.locator("tr.alert", has_text=f"host={host}")
    expect(alert.locator(".muted")).to_have_text(re.compile(r"^静默 [0-9a-f]{8}（root）：disk being replaced$"))
    expect(page.locator("table.cards th")).to_have_text(["级别", "状态", "规则", "当前值", "摘要", "详情", "处置手册", "标签", "开始时间", "已屏蔽"])
    expect(alert.locator(".badge").first).to_have_text("Ⅱ级 重要")
    expect(alert.locator("td[data-label=开始时间]")).to_have_text(re.compile(r"\(UTC\+8\)$"))
    expect(alert.locator("td[data-label=当前值]")).to_have_text("95 %")  # in its unit, not 0.95
    page.select_option("#language", "en")
    expect(alert.locator(".muted")).to_have_text(re.compile(r"^silence [0-9a-f]{8} by root: disk being replaced$"))
