"""The console's daily report form in a real headless chromium against the real collector app on a set clock:
the day defaults to the collector's today (not the browser's), and the button fetches today's report made
now, marked interim before the evening run; on a phone the form fits the width."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .clocked_collector import ADMIN_TOKEN, ClockedCollector, SetClock
from .console_support import PASSWORD, browser, log_in, page, phone_page

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

MORNING = datetime(2031, 5, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai; 22:00 the day before in New York
CONFIG = "alerting: {shipped_rules: false, incidents: {}}\nreports: {languages: [zh-CN, en], formats: [csv]}\n"


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    running = ClockedCollector(tmp_path_factory.mktemp("console-reports"), SetClock(MORNING), extra_config=CONFIG)
    running.start()
    for name, language in (("wang", "en"), ("zhao", "zh-CN")):
        request = urllib.request.Request(
            running.http_url + "/api/v1/users", method="POST",
            data=json.dumps({"username": name, "password": PASSWORD, "role": "viewer", "language": language}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"})
        urllib.request.urlopen(request, timeout=10).close()
    yield running
    running.stop()




def test_the_daily_button_fetches_todays_interim_report(collector, page, tmp_path):
    log_in(page, collector, "wang")
    page.click("#nav a[href='#/reports']")
    form = page.locator("#daily-form")
    expect(form.locator("input[name=date]")).to_have_value("2031-05-20")  # the collector's day, not New York's
    form.locator("select[name=format]").select_option("txt")
    with page.expect_download() as made:
        page.click("#make-daily-report")
    assert made.value.suggested_filename == "itops-daily-report-2031-05-20.en.txt"
    saved = tmp_path / made.value.suggested_filename
    made.value.save_as(saved)
    assert saved.read_text().startswith("Daily IT inspection 2031-05-20\nInterim report as of 2031-05-20 10:00;")


def test_the_daily_form_on_a_phone_in_chinese_fits_the_width(collector, phone_page):
    log_in(phone_page, collector, "zhao")
    phone_page.click("#nav a[href='#/reports']")
    expect(phone_page.locator("#daily-form h2")).to_have_text("巡检日报")
    expect(phone_page.locator("#make-daily-report")).to_have_text("获取日报")
    phone_page.wait_for_function("document.scrollingElement.scrollWidth <= window.innerWidth", timeout=5000)
