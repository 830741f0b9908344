"""The console's host and device pages in a real headless chromium against the real collector: a host opened from
the hosts list with its identity and asset fields, its charts drawing what the collector stored (read back from the
charts' data, on the server's step grid), the range switch fetching again on a coarser grid, a custom range typed in
the collector's zone, a printer's supplies one line each with their forecast and replacement, the latest data
searched by name and by label, the hardware and its changes, links from alerts and incidents, both languages, and
the console's unit formatter writing every value as the collector's does. Desktop and phone screenshots are kept as
test artefacts (console_support.artifacts_dir)."""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from itops.common.units import LANGUAGES, format_in_unit
from itops.series_key import format_series_key
from itops.v1 import ingest_pb2

from .conftest import wait_until
from .console_support import (DESKTOP, RULES, admin_call, artifacts_dir, assert_fits_the_width, browser, console_agent, console_tab,
                              fire_incident, log_in, page, push_inventory, push_points, running_console_collector,
                              say_hello)
from .test_console_formatting import _BROKEN_WORDS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

HOST = "finance-pc-07"
PRINTER = "prn-finance-2f"
ASSET = {"asset_number": "FIN-0042", "department": "Finance", "location": "2F east", "responsible_person": "Li Lei"}
CPU_MODEL = "Intel(R) Core(TM) i5-12500"
# A rule watching the CPU (never firing here): its threshold is drawn on the CPU chart in the screenshots.
CPU_RULE = ("  - name: CpuBusy\n    metric: itops_host_cpu_usage_ratio\n    function: avg\n    window: 5m\n"
            "    op: \">\"\n    threshold: 0.8\n    severity: P3\n")
MINUTE_MS, HOUR_MS = 60_000, 3_600_000
PHONE_390 = {"width": 390, "height": 844}
# supply: (description, colour, remaining share 72 h ago, its change per 6 h); black is replaced at the last reading
SUPPLIES = {"1": ("Black Toner Cartridge", "black", 0.12, -0.01), "2": ("Cyan Toner Cartridge", "cyan", 0.40, -0.02),
            "3": ("Drum Unit", "none", 0.80, -0.005)}
BLACK_REPLACED = 0.98
UNIT_VALUES = (0, -0.0, 0.5, 1, 2.5, 0.125, 1.015, 0.0004, 0.9995, 59.5, 3599.5, 4560, 86399.6, 1023.95, 1024, 1048575,
               12.5e6, 3e12, -1234.5678, 12345.0, 0.931, 2.675, -0.04)
UNITS = ("ratio", "humidity_ratio", "seconds", "bytes", "bytes_per_second", "link_speed", "per_second", "celsius", "volts",
         "amperes", "watts", "hertz", "pages", "count", "number", "code", "bool", "state", "info")


def _key(name: str, **labels: str) -> str:
    return format_series_key(name, labels)


def cpu_points(now_ms: int) -> list[tuple[int, float]]:
    """A reading every 5 minutes over the last 55 minutes, each a different value."""
    return [(now_ms - k * 5 * MINUTE_MS, round(0.1 + 0.05 * k, 2)) for k in range(12)]


def supply_points(now_ms: int) -> dict[str, list[tuple[int, float]]]:
    """Each supply read every 6 hours for 3 days; the black toner replaced at the last reading."""
    points = {}
    for supply, (_, _, first, change) in SUPPLIES.items():
        points[supply] = [(now_ms - hours * HOUR_MS, round(first + change * (72 - hours) / 6, 3)) for hours in range(72, -1, -6)]
    points["1"][-1] = (points["1"][-1][0], BLACK_REPLACED)
    return points


def supply_labels(supply: str) -> dict[str, str]:
    description, colour, _, _ = SUPPLIES[supply]
    return {"host": HOST, "device": PRINTER, "supply": supply, "description": description, "type": "toner", "colour": colour}


def inventory(at_ms: int, disks: tuple[str, ...]) -> ingest_pb2.InventorySnapshot:
    return ingest_pb2.InventorySnapshot(
        timestamp_ms=at_ms, cpu_model=CPU_MODEL, cpu_count_logical=12, cpu_count_physical=6, memory_total_bytes=16 * 2**30,
        disks=[ingest_pb2.Disk(name=disk, model="Samsung SSD 980", serial=f"S64-{disk}", size_bytes=500 * 10**9)
               for disk in disks],
        network_interfaces=[ingest_pb2.NetworkInterface(name="eth0", mac_address="52:54:00:12:34:56",
                                                        ip_addresses=["192.0.2.7"])],
        bios_vendor="LENOVO", bios_version="M3GKT3BA", system_serial="PF3XYZ12", os="Debian GNU/Linux 12")


@pytest.fixture(scope="module")
def console(tmp_path_factory, tls_dir):
    collectors = running_console_collector(tmp_path_factory.mktemp("console-entity-pages"), tls_dir, RULES + CPU_RULE)
    collector = next(collectors)
    token = collector.agent_tokens[HOST]
    say_hello(collector, tls_dir, token, console_agent(HOST), HOST, ASSET)
    now_ms = int(time.time() * 1000)
    collector.cpu = cpu_points(now_ms)
    collector.supplies = supply_points(now_ms)
    points = [(_key("itops_host_cpu_usage_ratio", host=HOST, cpu="total"), at, value) for at, value in collector.cpu]
    points += [(_key("itops_host_memory_usage_ratio", host=HOST), now_ms, 0.5),
               (_key("itops_host_filesystem_usage_ratio", host=HOST, mountpoint="/srv/ledger"), now_ms, 0.61),
               (_key("itops_host_filesystem_usage_ratio", host=HOST, mountpoint="/"), now_ms, 0.2),
               (_key("itops_snmp_up", host=HOST, device=PRINTER), now_ms, 1.0)]
    points += [(_key("itops_printer_supply_remaining_ratio", **supply_labels(supply)), at, value)
               for supply, readings in collector.supplies.items() for at, value in readings]
    points += [(_key("itops_printer_pages_total", host=HOST, device=PRINTER, marker="1"), now_ms - hours * HOUR_MS,
                20_000.0 + 40 * (72 - hours)) for hours in range(72, -1, -1)]  # 40 pages an hour
    push_points(collector, tls_dir, token, points)
    push_inventory(collector, tls_dir, token, inventory(now_ms - 2 * HOUR_MS, ("sda",)))
    push_inventory(collector, tls_dir, token, inventory(now_ms - HOUR_MS, ("sda", "sdb")))  # a disk added
    wait_until(lambda: {e["name"] for e in admin_call(collector, "GET", "/api/v1/entities")["entities"] if e["metrics"]}
               >= {HOST, PRINTER}, 20, "the host and the printer with their readings")
    yield collector
    next(collectors, None)  # its teardown


@pytest.fixture(params=["desktop", "phone"])
def sized_page(request, browser):
    yield from console_tab(browser, DESKTOP if request.param == "desktop" else PHONE_390)


def _open_from_hosts(page, console, name: str, user: str | None = "wang"):
    """``user``: who logs in first (None: someone is logged in)."""
    if user:
        log_in(page, console, user)
    page.click("#nav a[href='#/hosts']")
    page.locator("tr.entity td.title a", has_text=re.compile(f"^{re.escape(name)}$")).click()


def _plot(page, chart_id: str) -> dict:
    """What the chart drew: its x values and, per line of data (not a forecast), its name, labels and values."""
    return page.evaluate("""(id) => {
        const plot = window.__itopsCharts.get(id);
        if (!plot) return null;
        const lines = plot.series.map((series, index) => ({ ...series, index })).filter((s) => s.role === "data");
        return { x: plot.data[0], lines: lines.map((s) => ({ name: s.label, labels: s.labels,
                 values: plot.data[s.index].map((v) => (v === undefined ? null : v)) })) };
    }""", chart_id)


def _drawn_points(plot: dict, line: int = 0) -> dict[int, float]:
    return {x: v for x, v in zip(plot["x"], plot["lines"][line]["values"]) if v is not None}


def on_grid(points: list[tuple[int, float]], answer: dict, aggregate) -> dict[int, float]:
    """The points as the collector's chart API aggregates them: steps of ``step_ms`` on its whole multiples, from
    the step holding ``start_ms`` to ``end_ms``."""
    step = answer["step_ms"]
    grid_start = answer["start_ms"] - answer["start_ms"] % step
    steps = defaultdict(list)
    for at, value in points:
        if grid_start <= at < answer["end_ms"]:
            steps[grid_start + (at - grid_start) // step * step].append(value)
    return {at: aggregate(values) for at, values in steps.items()}


def _average(values: list[float]) -> float:
    return sum(values) / len(values)


def _assert_same_points(drawn: dict[int, float], expected: dict[int, float]) -> None:
    assert drawn.keys() == expected.keys()
    assert all(drawn[at] == pytest.approx(expected[at]) for at in expected), (drawn, expected)


def test_a_host_opened_from_the_hosts_list_shows_who_it_is_and_draws_its_stored_cpu(console, page):
    with page.expect_response(lambda r: "/charts?range=1h" in r.url) as charts:
        _open_from_hosts(page, console, HOST)
    assert page.url.endswith(f"#/entities/host/{console_agent(HOST)}")
    expect(page.locator(".page-header h1")).to_have_text(HOST)
    for field, value in {**ASSET, "agent": console_agent(HOST), "agent_version": "test", "os": "Linux"}.items():
        expect(page.locator(f".entity-overview .field-row[data-field={field}] dd")).to_have_text(value)
    expect(page.locator(".readings .reading[data-reading=cpu_usage]")).to_contain_text("%")
    expect(page.locator(".chart[data-chart=cpu] canvas").first).to_be_visible()
    answer = charts.value.json()
    plot = _plot(page, "cpu")
    assert [line["labels"]["cpu"] for line in plot["lines"]] == ["total"]
    _assert_same_points(_drawn_points(plot), on_grid(console.cpu, answer, _average))
    expect(page.locator(".chart-step")).to_have_text("One point per 1 min")


def test_the_range_switch_fetches_again_on_a_coarser_grid(console, page):
    with page.expect_response(lambda r: "/charts?range=1h" in r.url):
        _open_from_hosts(page, console, HOST)
    expect(page.locator(".chart[data-chart=cpu]")).to_be_visible()
    hour_step = _plot(page, "cpu")["x"][1] - _plot(page, "cpu")["x"][0]
    with page.expect_request(lambda r: "/charts?range=24h" in r.url), \
            page.expect_response(lambda r: "/charts?range=24h" in r.url) as charts:
        page.click(".range-buttons button[data-range='24h']")
    answer = charts.value.json()
    assert answer["step_ms"] > hour_step
    expect(page.locator(".range-buttons button[data-range='24h']")).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: _plot(page, "cpu")["x"][1] - _plot(page, "cpu")["x"][0] == answer["step_ms"], 10, "the day's chart")
    _assert_same_points(_drawn_points(_plot(page, "cpu")), on_grid(console.cpu, answer, _average))


def test_a_printer_page_draws_each_supply_with_its_forecast_and_replacement(console, page):
    with page.expect_response(lambda r: "/charts?range=7d" in r.url) as charts:
        _open_from_hosts(page, console, PRINTER)
    expect(page.locator(".chart[data-chart=supplies] canvas").first).to_be_visible()
    answer = charts.value.json()
    plot = _plot(page, "supplies")
    assert len(plot["lines"]) == len(SUPPLIES)
    for line in plot["lines"]:
        supply = line["labels"]["supply"]
        assert SUPPLIES[supply][0] in line["name"]
        expected = on_grid(console.supplies[supply], answer, lambda values: values[-1])  # the chart shows the last
        _assert_same_points(_drawn_points(plot, plot["lines"].index(line)), expected)
    notes = page.locator(".chart[data-chart=supplies] .chart-notes")
    expect(notes.locator("li[data-note=marker]")).to_have_count(1)
    expect(notes.locator("li[data-note=marker]")).to_contain_text("Black Toner Cartridge")
    expect(notes.locator("li[data-note=forecast]", has_text="Cyan Toner Cartridge")).to_contain_text("empty in about")


def test_a_custom_range_is_read_in_the_collectors_zone(console, page):
    with page.expect_response(lambda r: "/charts?range=1h" in r.url):
        _open_from_hosts(page, console, HOST)
    page.click(".range-buttons button[data-range=custom]")
    end = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)  # the browser is in New York
    start = end - timedelta(hours=2)
    page.fill(".custom-range input[name=start]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill(".custom-range input[name=end]", end.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_response(lambda r: "/charts?start=" in r.url) as charts:
        page.click(".custom-range button[type=submit]")
    answer = charts.value.json()
    assert (answer["start_ms"], answer["end_ms"]) == (int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    expect(page.locator(".range-buttons button[data-range=custom]")).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: _plot(page, "cpu")["x"][0] <= answer["start_ms"], 10, "the custom range's chart")
    _assert_same_points(_drawn_points(_plot(page, "cpu")), on_grid(console.cpu, answer, _average))


def test_the_page_speaks_the_readers_language(console, page):
    _open_from_hosts(page, console, HOST, user="zhao")
    expect(page.locator(".chart[data-chart=cpu] h3")).to_have_text("CPU 使用率")
    expect(page.locator(".range-buttons button[data-range='1h']")).to_have_text("1 小时")
    expect(page.locator(".entity-overview .field-row[data-field=asset_number] dt")).to_have_text("资产编号")
    assert _plot(page, "cpu")["lines"][0]["name"] == "CPU 使用率"
    page.select_option("#language", "en")
    expect(page.locator(".chart[data-chart=cpu] h3")).to_have_text("CPU usage")


def test_a_hosts_hardware_tab_shows_its_inventory_and_what_changed(console, page):
    _open_from_hosts(page, console, HOST)
    page.click(".tabs button[data-tab=hardware]")
    hardware = page.locator(".hardware")
    expect(hardware.locator(".field-row[data-field=cpu] dd")).to_have_text(CPU_MODEL)
    expect(hardware.locator(".field-row[data-field=memory] dd")).to_have_text("16 GiB")
    expect(hardware.locator(".field-row[data-field=disks] dd div")).to_have_count(2)
    changes = page.locator("tr.inventory-row")
    expect(changes).to_have_count(2)
    expect(changes.first).to_contain_text("disk sdb (Samsung SSD 980, S64-sdb, 466 GiB) added")  # newest first
    expect(changes.last).to_contain_text("First inventory")


def test_alerts_and_incidents_link_to_the_host_page(console, page, tls_dir):
    incident = fire_incident(console, tls_dir, HOST)
    log_in(page, console, "wang")
    page.click("#nav a[href='#/alerts']")
    link = page.locator("tr.alert td.labels a.entity-link", has_text=HOST)
    expect(link).to_have_attribute("href", f"#/entities/host/{console_agent(HOST)}")
    page.goto(f"{console.http_url}/console/#/incidents/{incident['id']}")
    asset = page.locator(".field-row[data-field=assets] a.entity-link")
    expect(asset).to_have_text(HOST)
    asset.click()
    expect(page.locator(".page-header h1")).to_have_text(HOST)
    expect(page.locator("tr.entity-alert")).to_contain_text(f"full on {HOST}")
    expect(page.locator("tr.entity-incident")).to_contain_text(incident["id"])


def test_latest_data_is_searched_by_name_and_by_label_and_opens_a_chart(console, page):
    _open_from_hosts(page, console, HOST)
    page.click(".tabs button[data-tab=latest]")
    rows = page.locator("tr.latest-row")
    expect(rows.first).to_be_visible()
    everything = rows.count()
    assert everything >= 4  # CPU, memory and two filesystems
    page.fill(".latest-search", "memory")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.title")).to_have_text("Memory usage")
    expect(rows.first.locator("td.reading-value")).to_have_text("50 %")
    page.fill(".latest-search", "/srv/ledger")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.labels")).to_contain_text("mountpoint=/srv/ledger")
    page.fill(".latest-search", "")
    expect(rows).to_have_count(everything)
    page.fill(".latest-search", "cpu total")
    with page.expect_response(lambda r: "/api/v1/points?" in r.url and "since=1h" in r.url) as points:
        rows.first.locator("button[data-action=chart]").click()
    expect(page.locator(".latest-chart .chart[data-chart=latest]")).to_be_visible()
    stored = {at: value for at, value in console.cpu if at >= points.value.json()["start_ms"]}
    assert sorted(_drawn_points(_plot(page, "latest")).values()) == pytest.approx(sorted(stored.values()))


def test_the_consoles_unit_formatter_writes_as_the_collectors(console, page):
    randomly = random.Random(7)
    values = [*UNIT_VALUES, *(randomly.uniform(-1e6, 1e6) for _ in range(30)), *(randomly.random() for _ in range(30)),
              *(randomly.choice((0.5, 1.5, 2.5, 0.25, 0.05)) * 10 ** randomly.randint(-3, 6) for _ in range(30))]
    cases = [(unit, value, language) for unit in UNITS for value in values for language in LANGUAGES]
    page.goto(console.http_url + "/console/")
    written = page.evaluate("""async (cases) => {
        const { formatInUnit } = await import("/console/static/units.js");
        return cases.map(([unit, value, language]) => formatInUnit(unit, value, language));
    }""", cases)
    differ = [(case, text, format_in_unit(*case)) for case, text in zip(cases, written) if text != format_in_unit(*case)]
    assert differ == [], f"(unit, value, language), the console's text, the collector's: {differ[:20]}"
    assert page.evaluate("""async () => (await import("/console/static/units.js")).formatInUnit("ratio", null, "en")""") == "—"


def _assert_readable_and_keep(page, name: str) -> None:
    """No horizontal scrolling, no word broken mid-word; a full-page screenshot kept as ``name``."""
    page.wait_for_timeout(300)  # the plots take their boxes' width
    assert_fits_the_width(page)
    assert page.evaluate(_BROKEN_WORDS) == []
    page.screenshot(path=artifacts_dir() / f"{name}-{page.viewport_size['width']}px.png", full_page=True)


def test_entity_pages_fit_the_screen_and_are_kept_as_screenshots(console, sized_page):
    page = sized_page
    page.add_init_script("""window.__refused = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__refused.push(`${e.violatedDirective} ${e.blockedURI}`));""")
    log_in(page, console, "wang")
    for name, chart, tabs in ((HOST, "cpu", ("latest", "hardware")), (PRINTER, "supplies", ("latest",))):
        _open_from_hosts(page, console, name, user=None)
        expect(page.locator(f".chart[data-chart={chart}] canvas").first).to_be_visible()
        lefts = page.locator(".charts .chart").evaluate_all("(charts) => charts.map((c) => c.getBoundingClientRect().left)")
        assert len(set(lefts)) == (1 if page.viewport_size["width"] <= 600 else 2), lefts  # one chart a row on a phone
        _assert_readable_and_keep(page, f"entity-{name}")
        for tab in tabs:
            page.click(f".tabs button[data-tab={tab}]")
            expect(page.locator(f"[data-panel={tab}] tr").last).to_be_visible()
            _assert_readable_and_keep(page, f"entity-{name}-{tab}")
    assert page.evaluate("window.__refused") == [], "the charts draw within the Content-Security-Policy"
