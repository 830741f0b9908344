"""The charts of an entity's page in the console: which charts each kind of entity has, and their data over a time
range, aggregated on the server to a step grid so a 30-day chart is a few hundred points per series.

A chart shows one or more metrics of the entity, one line per series (a filesystem, an interface, a supply), named
in zh-CN and en from the metric registry and the labels that tell the series apart. Beside the points a chart
carries the thresholds of the alert rules that watch its series (``thresholds_of``, given by the API, which knows
the rules), a forecast where one means something (a filesystem full in, a supply empty in) and markers (a supply
replaced). Pages printed per day are counted in the reports' time zone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from itops.collector.storage.base import SeriesInfo, StorageBackend
from itops.common.metric_catalogue import metric_entry, metric_name
from itops.common.units import LANGUAGES, format_duration
from itops.entities import ASSET_LABELS, EntityKind

__all__ = ["CHARTS", "ChartSpec", "Threshold", "ThresholdsOf", "chart_data", "chart_step_ms", "charts_of"]

POINTS_PER_CHART = 300
MIN_STEP_MS = 60_000
DAY_MS = 86_400_000
PAGES_STEP_MS = 3_600_000  # the counter is read hourly and its increases summed per local day
REPLACED_JUMP = 0.2  # a supply's remaining share rising by this much at once was replaced (or refilled)
MIN_FORECAST_POINTS = 3
# Labels that name the entity (or its place), not which of its series a line is.
_ENTITY_LABELS = frozenset({"agent", "host", "device", "profile", *ASSET_LABELS})

# Labels that name what a line is; when one tells the lines apart, the others (numbers, colours, devices) are left out.
_NAMING_LABELS = frozenset({"description", "mountpoint", "interface", "sensor", "direction", "cpu"})

Texts = dict[str, str]  # language → text


@dataclass(frozen=True, slots=True)
class Threshold:
    value: float
    severity: str
    rule: str
    op: str


ThresholdsOf = Callable[[str, dict[str, str]], list[Threshold]]  # (metric, labels) → the rules' thresholds


@dataclass(frozen=True, slots=True)
class ChartSpec:
    id: str
    metrics: tuple[str, ...]
    where: tuple[tuple[str, str], ...] = ()
    style: Literal["line", "bars", "state"] = "line"
    aggregation: Literal["avg", "max", "last"] = "avg"
    forecast: Literal["full", "empty"] | None = None  # a usage ratio's time to 1, a remaining ratio's time to 0
    markers: Literal["replaced"] | None = None
    pages_per_day: bool = False
    title: Texts | None = None  # default: the first metric's name

    def selects(self, series: SeriesInfo) -> bool:
        return series.name in self.metrics and all(series.labels.get(k) == v for k, v in self.where)

    def titles(self) -> Texts:
        return self.title or {language: metric_name(self.metrics[0], language) for language in LANGUAGES}

    @property
    def unit(self) -> str:
        return "pages" if self.pages_per_day else metric_entry(self.metrics[0]).unit


def _texts(zh: str, en: str) -> Texts:
    return {"zh-CN": zh, "en": en}


CHARTS: dict[EntityKind, tuple[ChartSpec, ...]] = {
    EntityKind.HOST: (
        ChartSpec("cpu", ("itops_host_cpu_usage_ratio",), (("cpu", "total"),)),
        ChartSpec("load", ("itops_host_load1", "itops_host_load5", "itops_host_load15"), title=_texts("系统负载", "Load")),
        ChartSpec("memory", ("itops_host_memory_usage_ratio", "itops_host_swap_usage_ratio"),
                  title=_texts("内存与交换区使用率", "Memory and swap usage")),
        ChartSpec("filesystems", ("itops_host_filesystem_usage_ratio",), forecast="full"),
        ChartSpec("disk_io", ("itops_host_disk_read_bytes_per_second", "itops_host_disk_written_bytes_per_second"),
                  title=_texts("磁盘读写", "Disk I/O")),
        ChartSpec("disk_busy", ("itops_host_disk_busy_ratio",)),
        ChartSpec("network", ("itops_host_network_received_bytes_per_second",
                              "itops_host_network_transmitted_bytes_per_second"), title=_texts("网络流量", "Network traffic")),
        ChartSpec("network_errors", ("itops_host_network_receive_errors_per_second",
                                     "itops_host_network_transmit_errors_per_second"),
                  title=_texts("网络错误", "Network errors")),
    ),
    EntityKind.PRINTER: (
        ChartSpec("supplies", ("itops_printer_supply_remaining_ratio",), aggregation="last", forecast="empty",
                  markers="replaced"),
        ChartSpec("pages_per_day", ("itops_printer_pages_total",), style="bars", pages_per_day=True,
                  title=_texts("每日打印页数", "Pages printed per day")),
        ChartSpec("printer_status", ("itops_printer_status",), style="state", aggregation="max"),
        ChartSpec("printer_condition", ("itops_printer_condition",), style="state", aggregation="max"),
    ),
    EntityKind.UPS: (
        ChartSpec("battery_charge", ("itops_ups_battery_charge_ratio",)),
        ChartSpec("battery_runtime", ("itops_ups_battery_runtime_seconds",)),
        ChartSpec("ups_load", ("itops_ups_output_load_ratio",)),
        ChartSpec("voltage", ("itops_ups_input_voltage_volts", "itops_ups_output_voltage_volts"),
                  title=_texts("输入/输出电压", "Input and output voltage")),
        ChartSpec("on_battery", ("itops_ups_output_source",), (("source", "battery"),), style="state",
                  aggregation="max", title=_texts("电池供电时段", "On battery")),
    ),
    EntityKind.SWITCH: (
        ChartSpec("ports", ("itops_network_interface_oper_status",), (("status", "up"),), style="state",
                  aggregation="last", title=_texts("端口状态（1 = 连通）", "Ports up (1 = up)")),
        ChartSpec("port_traffic", ("itops_network_interface_traffic_bytes_per_second",)),
        ChartSpec("port_errors", ("itops_network_interface_errors_per_second",)),
    ),
    EntityKind.ENVIRONMENT: (
        ChartSpec("temperature", ("itops_environment_temperature_celsius",)),
        ChartSpec("humidity", ("itops_environment_humidity_ratio",)),
    ),
    EntityKind.ATTENDANCE_CLOCK: (
        ChartSpec("clock_up", ("itops_attendance_clock_up",), style="state", aggregation="last"),
        ChartSpec("clock_drift", ("itops_attendance_clock_drift_seconds",)),
        ChartSpec("clock_storage", ("itops_attendance_clock_records_usage_ratio", "itops_attendance_clock_users_usage_ratio",
                                    "itops_attendance_clock_fingerprints_usage_ratio",
                                    "itops_attendance_clock_faces_usage_ratio"),
                  aggregation="last", title=_texts("存储使用率", "Storage use")),
    ),
    EntityKind.BACKUP: (
        ChartSpec("backup_age", ("itops_file_newest_age_seconds",)),
        ChartSpec("backup_size", ("itops_file_newest_size_bytes",), aggregation="last"),
    ),
}


def _specs_of(kind: EntityKind, series: Iterable[SeriesInfo]) -> tuple[ChartSpec, ...]:
    """A device read by several profiles (a UPS card with room probes) has the charts of every kind it has data
    of, its own first."""
    names = {s.name for s in series}
    others = [k for k in CHARTS if k != kind]
    return tuple(spec for k in (kind, *others) for spec in CHARTS.get(k, ()) if names & set(spec.metrics))


def charts_of(kind: EntityKind, series: Sequence[SeriesInfo]) -> list[dict]:
    """The charts an entity has data for, in display order: ``{"id", "title", "unit"}``."""
    return [{"id": spec.id, "title": spec.titles(), "unit": spec.unit}
            for spec in _specs_of(kind, series) if any(spec.selects(s) for s in series)]


def chart_step_ms(start_ms: int, end_ms: int) -> int:
    """At most POINTS_PER_CHART steps over the range, of whole minutes."""
    return -(-(end_ms - start_ms) // (POINTS_PER_CHART * MIN_STEP_MS)) * MIN_STEP_MS


async def chart_data(storage: StorageBackend, kind: EntityKind, series: Sequence[SeriesInfo], start_ms: int,
                     end_ms: int, thresholds_of: ThresholdsOf, time_zone: str, only: Iterable[str] = ()) -> dict:
    step_ms = chart_step_ms(start_ms, end_ms)
    wanted = set(only)
    specs = [spec for spec in _specs_of(kind, series) if not wanted or spec.id in wanted]
    built = await asyncio.gather(*(
        _chart(storage, spec, [s for s in series if spec.selects(s)], start_ms, end_ms, step_ms, thresholds_of,
               ZoneInfo(time_zone)) for spec in specs))
    return {"start_ms": start_ms, "end_ms": end_ms, "step_ms": step_ms, "charts": [c for c in built if c is not None]}


@dataclass
class _Line:
    info: SeriesInfo
    timestamps_ms: np.ndarray
    values: np.ndarray  # NaN where a step has no data
    points: list[list] = field(default_factory=list)


async def _chart(storage: StorageBackend, spec: ChartSpec, selected: list[SeriesInfo], start_ms: int, end_ms: int,
                 step_ms: int, thresholds_of: ThresholdsOf, zone: ZoneInfo) -> dict | None:
    if not selected:
        return None
    selected.sort(key=lambda s: (spec.metrics.index(s.name), sorted(s.labels.items())))
    if spec.pages_per_day:
        lines = await asyncio.gather(*(_pages_per_day(storage, s, start_ms, end_ms, zone) for s in selected))
    else:
        lines = await asyncio.gather(*(_on_grid(storage, s, start_ms, end_ms, step_ms, spec.aggregation)
                                       for s in selected))
    names = _series_names(spec, selected)
    thresholds = {(t.value, t.severity, t.rule, t.op) for s in selected for t in thresholds_of(s.name, s.labels)}
    return {
        "id": spec.id, "title": spec.titles(), "unit": spec.unit, "style": spec.style,
        "series": [{"name": name, "metric": line.info.name, "labels": line.info.labels,
                    "points": _points(line.timestamps_ms, line.values)} for name, line in zip(names, lines)],
        "thresholds": [{"value": v, "severity": severity, "rule": rule, "op": op}
                       for v, severity, rule, op in sorted(thresholds)],
        "forecasts": [f for i, line in enumerate(lines) if spec.forecast and (f := _forecast(spec, i, line, end_ms))],
        "markers": [m for i, line in enumerate(lines) if spec.markers for m in _replacements(i, line)],
    }


async def _on_grid(storage: StorageBackend, info: SeriesInfo, start_ms: int, end_ms: int, step_ms: int,
                   aggregation: str) -> _Line:
    grid_start = start_ms - start_ms % step_ms  # steps on whole multiples, so refetches line up
    grid = np.arange(grid_start, end_ms, step_ms, dtype=np.int64)
    found = await storage.query_range(info.id, grid_start, end_ms, step_ms, aggregation)
    values = np.full(len(grid), np.nan)
    values[(found.timestamps_ms - grid_start) // step_ms] = found.values
    return _Line(info, grid, values)


async def _pages_per_day(storage: StorageBackend, info: SeriesInfo, start_ms: int, end_ms: int,
                         zone: ZoneInfo) -> _Line:
    """Pages printed each local day of the range: the counter's hourly readings' increases (a counter reset counts
    its new value), each given to the day of the later reading."""
    first_day = _local_midnight_ms(start_ms, zone)
    hourly = await _on_grid(storage, info, first_day - DAY_MS, end_ms, PAGES_STEP_MS, "last")  # the first day's base
    present = np.isfinite(hourly.values)
    times, readings = hourly.timestamps_ms[present], hourly.values[present]
    days = _day_starts(first_day, end_ms, zone)
    pages = np.full(len(days), np.nan)
    if len(readings) >= 2:
        increases = np.diff(readings)
        increases = np.where(increases < 0, readings[1:], increases)
        which_day = np.searchsorted(days, times[1:], side="right") - 1
        counted = which_day >= 0
        pages = np.where(np.isin(np.arange(len(days)), which_day[counted]), 0.0, np.nan)
        np.add.at(pages, which_day[counted], increases[counted])
    return _Line(info, days, pages)


def _local_midnight_ms(ms: int, zone: ZoneInfo) -> int:
    local = datetime.fromtimestamp(ms / 1000, zone)
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def _day_starts(first_day_ms: int, end_ms: int, zone: ZoneInfo) -> np.ndarray:
    """Local midnights from ``first_day_ms`` to before ``end_ms`` (a day is 23 or 25 hours where clocks change)."""
    starts = [first_day_ms]
    while True:
        following = _local_midnight_ms(starts[-1] + DAY_MS + 3 * 3_600_000, zone)
        if following >= end_ms:
            return np.array(starts, dtype=np.int64)
        starts.append(following)


def _series_names(spec: ChartSpec, selected: list[SeriesInfo]) -> list[Texts]:
    """Each line's name: its metric's (when the chart has several metrics, or one line) and the values of the
    labels that tell its series apart (the mount point, the interface, the supply's description)."""
    keys = sorted({k for s in selected for k in s.labels} - _ENTITY_LABELS - {k for k, _ in spec.where})
    if len(selected) > 1:
        told = [k for k in keys if len({s.labels.get(k) for s in selected}) > 1]
    else:
        told = [k for k in keys if k in _NAMING_LABELS]
    if any(k in _NAMING_LABELS for k in told):  # "Black Toner", not "1 black Black Toner"
        told = [k for k in told if k in _NAMING_LABELS]
    with_metric = len({s.name for s in selected}) > 1 or len(selected) == 1 or not told
    return [{language: " ".join(filter(None, (metric_name(info.name, language) if with_metric else "",
                                             *(info.labels.get(k, "") for k in told))))
             for language in LANGUAGES} for info in selected]


def _points(timestamps_ms: np.ndarray, values: np.ndarray) -> list[list]:
    finite = np.isfinite(values)
    return [[int(t), float(v) if ok else None] for t, v, ok in zip(timestamps_ms.tolist(), values.tolist(), finite)]


def _forecast(spec: ChartSpec, index: int, line: _Line, end_ms: int) -> dict | None:
    """The straight line through the range's points (those since the last replacement), continued from the last
    one to where it reaches 1 (full) or 0 (empty), or to one range's length ahead if it gets there later or never."""
    present = np.isfinite(line.values)
    times, values = line.timestamps_ms[present], line.values[present]
    replaced = np.flatnonzero(np.diff(values) >= REPLACED_JUMP) if spec.markers else []
    if len(replaced):
        times, values = times[replaced[-1] + 1:], values[replaced[-1] + 1:]
    if len(values) < MIN_FORECAST_POINTS:
        return None
    slope, intercept = np.polyfit((times - times[-1]) / 1000.0, values, 1)
    target = 1.0 if spec.forecast == "full" else 0.0
    last_value = intercept
    heading_there = slope > 0 if spec.forecast == "full" else slope < 0
    horizon_ms = int(times[-1] + max(end_ms - int(line.timestamps_ms[0]), DAY_MS))
    reaches_ms = int(times[-1] + (target - last_value) / slope * 1000) if heading_there else None
    until_ms = min(reaches_ms, horizon_ms) if reaches_ms is not None else horizon_ms
    until_value = last_value + slope * (until_ms - times[-1]) / 1000
    return {"series": index, "points": [[int(times[-1]), float(last_value)], [until_ms, float(until_value)]],
            "reaches_at_ms": reaches_ms, "text": _forecast_text(spec.forecast, reaches_ms, int(times[-1]))}


def _forecast_text(kind: str, reaches_ms: int | None, from_ms: int) -> Texts:
    if reaches_ms is None:
        return _texts("按当前趋势不会写满", "not filling up at this rate") if kind == "full" else \
            _texts("按当前趋势不会耗尽", "not running out at this rate")
    zh_in, en_in = (format_duration((reaches_ms - from_ms) / 1000, language) for language in ("zh-CN", "en"))
    return _texts(f"约 {zh_in}后写满", f"full in about {en_in}") if kind == "full" else \
        _texts(f"约 {zh_in}后耗尽", f"empty in about {en_in}")


def _replacements(index: int, line: _Line) -> list[dict]:
    present = np.flatnonzero(np.isfinite(line.values))
    rises = np.diff(line.values[present])
    return [{"series": index, "at_ms": int(line.timestamps_ms[present[i + 1]]),
             "text": _texts("更换或加注", "replaced or refilled")} for i in np.flatnonzero(rises >= REPLACED_JUMP)]
