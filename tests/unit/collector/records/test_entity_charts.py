"""The entity charts' computations on a real embedded store: pages printed per local day (Shanghai, and a zone
whose clocks change, with a counter reset), the step grid, the forecast's straight line, and the charts an entity
has."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from itops.collector.records.entity_charts import chart_data, chart_step_ms, charts_of
from itops.collector.storage.base import SampleWrite, SeriesInfo
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.entities import EntityKind
from itops.series_key import format_series_key, parse_series_key

HOUR_MS = 3_600_000
PRINTER = {"host": "pc-1", "device": "prn-1", "marker": "1"}


def local_ms(zone: str, *parts: int) -> int:
    return int(datetime(*parts, tzinfo=ZoneInfo(zone)).timestamp() * 1000)


async def stored(tmp_path, metric: str, labels: dict, points: list[tuple[int, float]]):
    store = SQLiteStorage(SQLiteConfig(path=str(tmp_path / "tsdb")))
    await store.open()
    [series_id] = store.resolve_series("agent-a", [format_series_key(metric, labels)], parse_series_key)
    await store.write(SampleWrite("agent-a", 1, np.full(len(points), series_id, dtype=np.int64),
                                  np.array([ms for ms, _ in points], dtype=np.int64),
                                  np.array([value for _, value in points], dtype=np.float64)))
    return store, [SeriesInfo(int(series_id), metric, {**labels, "agent": "agent-a"})]


def no_thresholds(_metric, _labels):
    return []


def pages_chart(tmp_path, zone: str, points: list[tuple[int, float]], start_ms: int, end_ms: int) -> dict:
    async def run():
        store, series = await stored(tmp_path, "itops_printer_pages_total", PRINTER, points)
        try:
            return await chart_data(store, EntityKind.PRINTER, series, start_ms, end_ms, no_thresholds, zone)
        finally:
            await store.close()
    [chart] = asyncio.run(run())["charts"]
    assert (chart["id"], chart["style"], chart["unit"]) == ("pages_per_day", "bars", "pages")
    return chart


def test_pages_are_counted_per_day_of_the_reports_zone(tmp_path):
    zone = "Asia/Shanghai"
    readings = [(local_ms(zone, 2026, 3, 1, 23, 30), 1000.0),  # before the range: the first day's base
                (local_ms(zone, 2026, 3, 2, 0, 30), 1010.0),  # 00:30 in Shanghai is the 2nd, 16:30 UTC the 1st
                (local_ms(zone, 2026, 3, 2, 18, 0), 1100.0),
                (local_ms(zone, 2026, 3, 3, 9, 0), 1100.0),
                (local_ms(zone, 2026, 3, 4, 9, 0), 1150.0)]
    chart = pages_chart(tmp_path, zone, readings, local_ms(zone, 2026, 3, 2, 12), local_ms(zone, 2026, 3, 4, 23))
    [line] = chart["series"]
    assert line["points"] == [[local_ms(zone, 2026, 3, 2), 100.0], [local_ms(zone, 2026, 3, 3), 0.0],
                              [local_ms(zone, 2026, 3, 4), 50.0]]


def test_a_counter_reset_counts_its_new_value_and_days_are_local_where_clocks_change(tmp_path):
    zone = "Europe/Berlin"  # 2026-03-29 has 23 hours there
    readings = [(local_ms(zone, 2026, 3, 28, 20), 500.0), (local_ms(zone, 2026, 3, 29, 1), 520.0),
                (local_ms(zone, 2026, 3, 29, 12), 30.0),  # the printer's counter started again: 30 pages since
                (local_ms(zone, 2026, 3, 30, 0, 30), 45.0)]
    chart = pages_chart(tmp_path, zone, readings, local_ms(zone, 2026, 3, 29, 6), local_ms(zone, 2026, 3, 30, 12))
    [line] = chart["series"]
    assert line["points"] == [[local_ms(zone, 2026, 3, 29), 50.0], [local_ms(zone, 2026, 3, 30), 15.0]]
    assert local_ms(zone, 2026, 3, 30) - local_ms(zone, 2026, 3, 29) == 23 * HOUR_MS


def test_points_lie_on_whole_steps_with_null_where_a_step_has_no_data(tmp_path):
    end_ms = 1_800_000_000_000
    start_ms = end_ms - 6 * HOUR_MS
    step_ms = chart_step_ms(start_ms, end_ms)
    assert step_ms == 120_000  # 6 h in at most 300 steps of whole minutes

    async def run():
        store, series = await stored(tmp_path, "itops_host_cpu_usage_ratio", {"host": "pc-1", "cpu": "total"},
                                     [(end_ms - HOUR_MS, 0.2), (end_ms - HOUR_MS + 30_000, 0.4)])
        try:
            return await chart_data(store, EntityKind.HOST, series, start_ms, end_ms, no_thresholds, "Asia/Shanghai")
        finally:
            await store.close()
    [chart] = asyncio.run(run())["charts"]
    points = chart["series"][0]["points"]
    assert [ms for ms, _ in points] == list(range(start_ms - start_ms % step_ms, end_ms, step_ms))
    assert [(ms, value) for ms, value in points if value is not None] == [
        ((end_ms - HOUR_MS) // step_ms * step_ms, pytest.approx(0.3))]


def test_a_supply_forecast_starts_after_its_replacement_and_reaches_empty(tmp_path):
    end_ms = 1_800_000_000_000
    day_ms = 24 * HOUR_MS
    toner = {"host": "pc-1", "device": "prn-1", "supply": "1", "description": "Black Toner"}
    falling = [(end_ms - day_ms * days, 0.5 - 0.1 * (4 - days)) for days in (4, 3, 2, 1)]  # 0.5 … 0.2
    points = [(end_ms - 6 * day_ms, 0.3), (end_ms - 5 * day_ms, 0.02), *falling]  # replaced 4 days ago

    async def run():
        store, series = await stored(tmp_path, "itops_printer_supply_remaining_ratio", toner, points)
        try:
            return await chart_data(store, EntityKind.PRINTER, series, end_ms - 7 * day_ms, end_ms, no_thresholds,
                                    "Asia/Shanghai")
        finally:
            await store.close()
    [chart] = asyncio.run(run())["charts"]
    [marker] = chart["markers"]
    step_ms = chart_step_ms(end_ms - 7 * day_ms, end_ms)
    assert marker["at_ms"] == (end_ms - 4 * day_ms) // step_ms * step_ms
    [forecast] = chart["forecasts"]
    assert forecast["reaches_at_ms"] == pytest.approx(end_ms - day_ms + 2 * day_ms, abs=step_ms)
    assert forecast["points"][1][1] == pytest.approx(0.0, abs=1e-6)


def test_an_entity_has_the_charts_of_the_metrics_it_has_its_own_kind_first():
    ups_with_probe = [SeriesInfo(1, "itops_environment_temperature_celsius", {"device": "ups-1", "sensor": "1"}),
                      SeriesInfo(2, "itops_ups_battery_charge_ratio", {"device": "ups-1"}),
                      SeriesInfo(3, "itops_ups_output_source", {"device": "ups-1", "source": "battery"})]
    assert [chart["id"] for chart in charts_of(EntityKind.UPS, ups_with_probe)] == [
        "battery_charge", "on_battery", "temperature"]
    assert charts_of(EntityKind.UPS, ups_with_probe)[1]["title"] == {"zh-CN": "电池供电时段", "en": "On battery"}
