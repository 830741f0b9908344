"""What the console's browser tests share: a real collector with alerting, incidents and users, a headless
chromium (Debian's, never a downloaded one) with a tab per test, logging in, pushing samples, inventories and the
batch that fires the test rule, the phone-width check, and where screenshots are kept."""

from __future__ import annotations

import itertools
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from itops.collector.ingest.agent_credentials import new_token, token_sha256
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess, wait_until

CHROMIUM = "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "console-admin-token-for-tests"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def disk_rule(name: str, annotations: dict[str, str]) -> str:
    """A rules file of one P2 rule firing when itops_test_disk_used_ratio is above 0.9 (see push_disk_usage)."""
    lines = "".join(f"      {key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in annotations.items())
    return (f"rules:\n  - name: {name}\n    metric: itops_test_disk_used_ratio\n    function: last\n"
            f"    op: \">\"\n    threshold: 0.9\n    severity: P2\n    annotations:\n{lines}")


RULES = disk_rule("DiskNearlyFull", {"summary": "disk {{ value }} full on {{ labels.host }}",
                                     "summary_zh": "{{ labels.host }} 磁盘使用率 {{ value }}"})
# name → (role, language)
USERS = {"wang": ("operator", "en"), "zhao": ("operator", "zh-CN"), "li": ("viewer", "en")}


def launch_chromium(playwright: Playwright) -> Browser:
    """Fails (never skips) when Debian's chromium is not installed."""
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: apt-get install chromium (the console tests need it)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])


def chromium_browser() -> Iterator[Browser]:
    """A headless chromium for a module's ``browser`` fixture (``yield from`` it)."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def console_tab(browser: Browser, viewport: dict[str, int], locale: str = "en-US") -> Iterator[Page]:
    """A fresh tab for one test (``yield from`` it in a fixture); fails the test on any script error."""
    # A browser far from Shanghai: the console must still show times in the collector's zone.
    context = browser.new_context(viewport=viewport, timezone_id="America/New_York", locale=locale)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"script errors in the console: {errors}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for a test module (import this fixture, with ``page`` and ``phone_page``)."""
    yield from chromium_browser()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    yield from console_tab(browser, DESKTOP)


@pytest.fixture
def phone_page(browser) -> Iterator[Page]:
    yield from console_tab(browser, PHONE)


def artifacts_dir() -> Path:
    """Where the console tests keep their screenshots: $ITOPS_TEST_ARTIFACTS, else build/test-artifacts/console/."""
    directory = Path(os.environ.get("ITOPS_TEST_ARTIFACTS") or REPO_ROOT / "build" / "test-artifacts" / "console")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def assert_fits_the_width(page: Page) -> None:
    """The page settles without horizontal scrolling; else the elements reaching past the right edge are named."""
    try:
        page.wait_for_function("document.scrollingElement.scrollWidth <= window.innerWidth", timeout=5000)
    except PlaywrightTimeoutError:
        wide = page.evaluate("""() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => `${e.tagName}.${e.className} right=${e.getBoundingClientRect().right} ${e.textContent.slice(0, 60)}`)""")
        raise AssertionError(f"wider than {page.viewport_size['width']} px: {wide}") from None


CONSOLE_HOSTS = ("pc-flow", "pc-phone-with-a-rather-long-host-name-0042", "pc-silenced", "finance-pc-07")


def console_agent(host: str) -> str:
    return f"agent-{host}"


def start_console_collector(workdir: Path, tls_dir: Path, rules_yaml: str = RULES) -> tuple[CollectorProcess, dict[str, str]]:
    """A collector with the test rules (``rules_yaml``), incidents for every alert and the USERS; returns it and
    the agent token of each host in CONSOLE_HOSTS (a credential speaks for one host only)."""
    rules = workdir / "rules.yaml"
    rules.write_text(rules_yaml)
    config = (
        f"admin_tokens:\n  - name: root\n    token_sha256: {token_sha256(ADMIN_TOKEN)}\n"
        f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
        f"  incidents:\n    policies:\n      - name: every-alert\n        matchers: []\n        category: hardware\n"
        f"    sla:\n      calendars:\n        days_off_now:\n          kind: business_hours\n"
        f"          shipped_holidays: false\n          holidays: [{', '.join(map(str, _days_around_today()))}]\n"
        f"      targets:\n        P4: {{respond: 1h, respond_calendar: days_off_now, resolve: 9h, resolve_calendar: days_off_now}}\n"
    )
    tokens = {host: new_token() for host in CONSOLE_HOSTS}
    collector = CollectorProcess(workdir, tls_dir, {console_agent(host): token for host, token in tokens.items()},
                                 extra_config=config).start()
    for name, (role, language) in USERS.items():
        admin_call(collector, "POST", "/api/v1/users", {"username": name, "password": PASSWORD, "role": role,
                                                        "language": language, "display_name": name.title()})
    return collector, tokens


def running_console_collector(workdir: Path, tls_dir: Path, rules_yaml: str = RULES):
    """For a module's ``console`` fixture (``yield from`` it): start_console_collector's collector with its
    ``agent_tokens``, killed at the end if still running."""
    collector, tokens = start_console_collector(workdir, tls_dir, rules_yaml)
    collector.agent_tokens = tokens
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


def _days_around_today() -> list[date]:
    """Three days either side of today in Shanghai: a business-hours clock on them stands still now."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return [today + timedelta(days=offset) for offset in range(-3, 4)]


def admin_call(collector: CollectorProcess, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        collector.http_url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def incident_for_host(collector: CollectorProcess, host: str) -> dict | None:
    found = [i for i in admin_call(collector, "GET", "/api/v1/incidents")["incidents"]
             if any(asset["name"] == host for asset in i["assets"])]
    return found[0] if len(found) == 1 else None


def fire_incident(collector: CollectorProcess, tls_dir: Path, host: str) -> dict:
    """Push a disk usage that fires the test rule for ``host`` (its token in ``collector.agent_tokens``) and wait
    for the incident it opens."""
    push_disk_usage(collector, tls_dir, collector.agent_tokens[host], host, 0.97)
    return wait_until(lambda: incident_for_host(collector, host), 20, f"an incident for {host}")


def open_incident_by_hand(collector: CollectorProcess, title: str) -> dict:
    return admin_call(collector, "POST", "/api/v1/incidents",
                      {"title": title, "severity": "P3", "category": "network", "assets": [{"name": "sw-core"}]})


_sequences = itertools.count(1)  # the collector drops a batch whose (agent, sequence) it stored before


def _ingest(collector: CollectorProcess, tls_dir: Path, token: str, call: str, message) -> None:
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        getattr(ingest_pb2_grpc.IngestStub(channel), call)(
            message, metadata=(("authorization", f"Bearer {token}"),), timeout=10)


def push_samples(collector: CollectorProcess, tls_dir: Path, token: str, samples: dict[str, float]) -> None:
    """One batch with one sample, stamped now, of each series key (``name{label="value",…}``)."""
    now_ms = int(time.time() * 1000)
    push_points(collector, tls_dir, token, [(key, now_ms, value) for key, value in samples.items()])


def push_points(collector: CollectorProcess, tls_dir: Path, token: str, points: list[tuple[str, int, float]]) -> None:
    """One batch of (series key, timestamp ms, value) samples."""
    index = {key: position for position, key in enumerate(sorted({key for key, _, _ in points}))}
    batch = ingest_pb2.Batch(sequence=next(_sequences), samples=ingest_pb2.SampleBlock(
        series=list(index), series_index=[index[key] for key, _, _ in points], timestamps_ms=[at for _, at, _ in points],
        values=[value for _, _, value in points]))
    _ingest(collector, tls_dir, token, "Push", batch)


def push_check(collector: CollectorProcess, tls_dir: Path, token: str, check: ingest_pb2.CheckResult) -> None:
    """One batch with ``check``, stamped now."""
    check.timestamp_ms = int(time.time() * 1000)
    _ingest(collector, tls_dir, token, "Push", ingest_pb2.Batch(sequence=next(_sequences), checks=[check]))


def push_inventory(collector: CollectorProcess, tls_dir: Path, token: str, inventory: ingest_pb2.InventorySnapshot) -> None:
    """One batch with a hardware inventory (stamped by its ``timestamp_ms``)."""
    _ingest(collector, tls_dir, token, "Push", ingest_pb2.Batch(sequence=next(_sequences), inventory=inventory))


def push_disk_usage(collector: CollectorProcess, tls_dir: Path, token: str, host: str, ratio: float) -> None:
    push_samples(collector, tls_dir, token, {f'itops_test_disk_used_ratio{{host="{host}"}}': ratio})


def say_hello(collector: CollectorProcess, tls_dir: Path, token: str, agent_id: str, hostname: str,
              asset: dict[str, str] | None = None) -> None:
    """``asset``: the host's asset fields (asset_number, department, location, responsible_person)."""
    _ingest(collector, tls_dir, token, "Hello", ingest_pb2.AgentHello(
        agent_id=agent_id, hostname=hostname, agent_version="test", os="Linux", platform="linux-x86_64",
        boot_time_unix_ms=int(time.time() * 1000) - 3_600_000, ip_addresses=["192.0.2.7"],
        asset=ingest_pb2.Asset(**(asset or {}))))


def log_in(page: Page, collector: CollectorProcess, username: str, password: str = PASSWORD) -> None:
    page.goto(collector.http_url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    if password == PASSWORD:
        page.wait_for_selector(".incident-list")
