"""An entity's page over HTTP, on data a real collector stored (test_entities_api's fleet: a host with a disk
filling 2 points a day, a printer whose cyan toner falls 5 points a day and whose black toner was replaced at the
last poll, a switch): identity, the charts it has, their points on the server's step grid, forecasts, markers,
thresholds of the shipped rules, and latest data with units and ages."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from itops.alerting.rules.loader import RuleSet
from itops.collector.api.access import access_middlewares
from itops.collector.api.routes.entity_page import (
    EntityPageSources,
    _thresholds_of,
    add_entity_page_routes,
)
from itops.collector.api.user_store import UserStore
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_charts import chart_step_ms

from .conftest import free_port, new_token
from .test_entities_api import (
    ADMIN_TOKEN,
    HOUR_MS,
    _get,
    collect_fleet,
    collector_directory,
)

pytestmark = pytest.mark.integration

RULE_PACK = Path(__file__).resolve().parents[2] / "alerting" / "rules" / "pack"
DAY_MS = 24 * HOUR_MS


class RulesOnly:
    """The part of the alerting assembly the thresholds read: the shipped rules (no alerts, no incidents)."""

    def __init__(self):
        self.rule_set = RuleSet.load([RULE_PACK])
        self.incidents = None


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, tls_dir):
    workdir = tmp_path_factory.mktemp("fleet")
    return workdir, collect_fleet(workdir, tls_dir, new_token())


async def _serve_and_get(workdir, now_ms: int, paths: list[str]) -> list[tuple[int, dict]]:
    users = UserStore.open(f"sqlite:///{workdir / 'users.db'}")
    async with collector_directory(workdir, now_ms) as (directory, storage):
        state = AgentRegister(str(workdir / "state"))
        app = web.Application(middlewares=access_middlewares(
            users, {hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(): "wang"}, require_login_for_reads=True,
            clock=lambda: datetime.fromtimestamp(now_ms / 1000, UTC)))
        alerting = RulesOnly()
        sources = EntityPageSources(directory, storage, state, None, 120, "Asia/Shanghai", lambda: now_ms / 1000 + 1)
        add_entity_page_routes(app, sources)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            return [await asyncio.to_thread(_get, f"http://127.0.0.1:{port}{path}", headers) for path in paths]
        finally:
            await runner.cleanup()
            state.close()
            users.close()
            assert alerting.rule_set.rules  # the pack loads


def get_all(fleet, *paths: str) -> list[tuple[int, dict]]:
    workdir, now_ms = fleet
    return asyncio.run(_serve_and_get(workdir, now_ms, list(paths)))


@pytest.mark.timeout(120)
def test_a_host_page_says_who_it_is_and_which_charts_it_has(fleet):
    [(status, body)] = get_all(fleet, "/api/v1/entities/host/agent-a")
    assert status == 200
    assert (body["entity"]["name"], body["entity"]["key"], body["entity"]["asset"]) == (
        "pc-1", "agent-a", {"asset_number": "IT-001", "location": "3F"})
    assert (body["agent"]["agent_id"], body["agent"]["agent_version"]) == ("agent-a", "0.1.0")
    assert [chart["id"] for chart in body["charts"]] == ["cpu", "memory", "filesystems"]
    assert body["charts"][0] == {"id": "cpu", "title": {"zh-CN": "CPU 使用率", "en": "CPU usage"}, "unit": "ratio"}
    assert (body["alerts"], body["incidents"]) == ([], [])


@pytest.mark.timeout(120)
def test_a_filesystem_chart_has_the_stored_points_on_the_step_grid_and_its_full_in_forecast(fleet):
    _, now_ms = fleet
    [(status, body)] = get_all(fleet, "/api/v1/entities/host/agent-a/charts?range=7d&chart=filesystems")
    assert status == 200
    end_ms = now_ms + 1000
    step_ms = chart_step_ms(end_ms - 7 * DAY_MS, end_ms)
    assert (body["step_ms"], body["end_ms"]) == (step_ms, end_ms)
    [chart] = body["charts"]
    assert (chart["id"], chart["unit"], chart["style"]) == ("filesystems", "ratio", "line")
    [line] = chart["series"]
    assert line["name"] == {"zh-CN": "分区使用率 /var", "en": "Filesystem usage /var"}
    stored = {(now_ms - hours_ago * HOUR_MS) // step_ms * step_ms: 0.9 + 0.02 * (72 - hours_ago) / 24
              for hours_ago in range(72, -1, -6)}
    drawn = {ms: value for ms, value in line["points"] if value is not None}
    assert drawn == pytest.approx(stored)
    assert all(ms % step_ms == 0 for ms, _ in line["points"])
    [forecast] = chart["forecasts"]
    assert forecast["reaches_at_ms"] == pytest.approx(now_ms + 2 * DAY_MS, abs=step_ms)
    assert forecast["text"]["en"].startswith(("full in about 2 d", "full in about 1 d 23 h"))  # 2 d, to a step


@pytest.mark.timeout(120)
def test_a_printer_has_a_line_per_supply_the_replacement_marked_and_the_empty_forecast(fleet):
    _, now_ms = fleet
    [(status, body)] = get_all(fleet, "/api/v1/entities/printer/prn-1/charts?range=7d")
    assert status == 200
    charts = {chart["id"]: chart for chart in body["charts"]}
    assert list(charts) == ["supplies", "pages_per_day"]
    supplies = charts["supplies"]
    assert [line["name"]["en"] for line in supplies["series"]] == ["Black Toner", "Cyan Toner"]
    [marker] = supplies["markers"]
    assert (marker["series"], marker["text"]["en"]) == (0, "replaced or refilled")
    assert marker["at_ms"] == now_ms // body["step_ms"] * body["step_ms"]
    [forecast] = supplies["forecasts"]  # the new black cartridge has one point: no forecast yet
    assert forecast["series"] == 1
    assert forecast["reaches_at_ms"] == pytest.approx(now_ms + 3 * DAY_MS, abs=body["step_ms"])
    pages = charts["pages_per_day"]
    assert (pages["unit"], pages["style"]) == ("pages", "bars")


@pytest.mark.timeout(120)
def test_latest_data_lists_every_series_with_its_value_in_its_unit_and_its_age(fleet):
    [(status, body)] = get_all(fleet, "/api/v1/entities/host/agent-a/series")
    assert status == 200
    rows = {(row["metric"], row["labels"].get("mountpoint")): row for row in body["series"]}
    cpu = rows[("itops_host_cpu_usage_ratio", None)]
    assert (cpu["value"], cpu["unit"], cpu["text"], cpu["name"]["en"]) == (
        0.3, "ratio", {"zh-CN": "30 %", "en": "30 %"}, "CPU usage")
    assert 0 <= cpu["age_s"] <= 61
    assert rows[("itops_host_filesystem_usage_ratio", "/var")]["value"] == pytest.approx(0.96)
    assert ("itops_http_tls_certificate_expiry_seconds", None) in rows


@pytest.mark.timeout(120)
def test_unknown_entities_and_ranges_are_refused_clearly(fleet):
    (missing, body), (bad_range, range_body), (bad_kind, kind_body) = get_all(
        fleet, "/api/v1/entities/host/nobody", "/api/v1/entities/host/agent-a/charts?range=2w",
        "/api/v1/entities/planet/earth")
    assert (missing, body) == (404, {"error": "no host 'nobody' is known"})
    assert (bad_range, range_body["parameter"]) == (400, "range")
    assert range_body["error"] == "range: expected one of 1h, 6h, 24h, 7d, 30d, got '2w'"
    assert (bad_kind, kind_body["parameter"]) == (400, "kind")


def test_the_shipped_rules_thresholds_are_drawn_on_the_series_they_watch():
    thresholds = _thresholds_of(RulesOnly())
    on_var = thresholds("itops_host_filesystem_usage_ratio", {"host": "pc-1", "mountpoint": "/var"})
    assert on_var and all(t.op in (">", ">=") and 0.5 < t.value < 1 for t in on_var)
    assert thresholds("itops_host_cpu_usage_ratio", {"host": "pc-1", "cpu": "total"})
    assert thresholds("itops_no_such_metric", {}) == []
