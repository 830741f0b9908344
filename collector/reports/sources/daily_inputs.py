"""What the daily inspection report (巡检日报) is made of, read from the collector's stores as they are now.

``gather_daily_inspection`` reads the entity directory, the forecasts (printer supplies: the agent's own,
``itops_printer_supply_forecast_empty_seconds``; filesystems: last week's trend, as the rule engine's
``seconds_until_full``, since the agent forecasts none), certificate expiries, and takes the open incidents with
their SLA clocks. The scheduler writes the report every evening (``files.write_daily_report``); the reports API
renders today's on demand.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.collector.records.entity_directory import EntityDirectory, latest_values
from itops.collector.reports.figures.consumables import REMAINING_RATIO_METRIC
from itops.collector.reports.figures.daily_inspection import (
    Attention,
    AttentionKind,
    DailyInspection,
    OpenIncident,
    build_daily_inspection,
    days_until_full,
)
from itops.collector.storage.base import SeriesInfo, StorageBackend

__all__ = ["CERTIFICATE_METRICS", "SUPPLY_FORECAST_METRIC", "TREND_WINDOW_S", "gather_daily_inspection", "forecasts",
           "supply_forecasts"]

SUPPLY_FORECAST_METRIC = "itops_printer_supply_forecast_empty_seconds"
FILESYSTEM_USAGE_METRIC = "itops_host_filesystem_usage_ratio"
CERTIFICATE_METRICS = ("itops_http_tls_certificate_expiry_seconds", "itops_tls_certificate_file_expiry_seconds")
TREND_WINDOW_S = 7 * 86400.0
TREND_MIN_COVERAGE = 1 / 7  # a forecast needs a day of the week's hourly points, not the first hours
TREND_STEP_S = 3600.0  # hourly means: enough points for a week's fit, few enough to read for every series
LOOKBACK_S = 86400.0  # a device switched off for the evening still has its last poll's readings
POLL_STEP_S = 60.0  # a supply's forecast and level are one poll's when they fall in the same minute
DAY_S = 86400.0


async def gather_daily_inspection(
    day: date, *, directory: EntityDirectory, storage: StorageBackend, incidents: IncidentStore | None,
    sla: SlaPolicy | None, time_zone: str = "Asia/Shanghai", maintenance: Sequence[MaintenancePeriod] = (),
    evening_at: datetime | None = None, clock: Callable[[], float] = time.time,
) -> DailyInspection:
    """The report of ``day`` (a local day in ``time_zone``) as things stand now; ``evening_at``: when the
    day's scheduled report is made (a report made before it says it is interim)."""
    now_s = clock()
    generated_at = datetime.fromtimestamp(now_s, UTC)
    entities = await directory.entities()
    found = await forecasts(storage, now_s)
    open_incidents = await asyncio.to_thread(_open_incidents, incidents, sla, generated_at, maintenance)
    return build_daily_inspection(entities, open_incidents, found, day, time_zone, generated_at, evening_at)


def _open_incidents(store: IncidentStore | None, sla: SlaPolicy | None, at: datetime,
                    maintenance: Sequence[MaintenancePeriod]) -> list[OpenIncident]:
    if store is None:
        return []
    found = store.list(open_only=True)
    if sla is None:
        return [OpenIncident(incident, None) for incident in found]
    timelines = store.timelines(incident.id for incident in found)
    return [OpenIncident(incident, sla.status(incident, timelines.get(incident.id, []), at, maintenance))
            for incident in found]


async def forecasts(storage: StorageBackend, now_s: float) -> list[Attention]:
    """Supplies and filesystems with a forecast of running out or filling up, and every certificate's days left."""
    disks = storage.list_series(FILESYSTEM_USAGE_METRIC)
    certificates = [s for name in CERTIFICATE_METRICS for s in storage.list_series(name)]
    supplies, disk_points, certificate_values = await asyncio.gather(
        supply_forecasts(storage, now_s), _hourly_points(storage, disks, now_s),
        latest_values(storage, (s.id for s in certificates), now_s, LOOKBACK_S))
    found = list(supplies)
    for series, points in zip(disks, disk_points):
        days_left = days_until_full(points, TREND_WINDOW_S, TREND_MIN_COVERAGE)
        if days_left is not None:
            found.append(_host_attention("disk", series, days_left))
    found += [_host_attention("certificate", s, certificate_values[s.id] / DAY_S)
              for s in certificates if s.id in certificate_values]
    return found


async def supply_forecasts(storage: StorageBackend, now_s: float) -> list[Attention]:
    """Each printer supply's days left by the agent's forecast at its latest poll. A supply whose latest poll
    gave none (just replaced, or no falling trend yet) has none, whatever an earlier poll said."""
    forecast_series = storage.list_series(SUPPLY_FORECAST_METRIC)
    level_series = {_supply_key(s): s for s in storage.list_series(REMAINING_RATIO_METRIC)}
    levels = [level_series.get(_supply_key(s)) for s in forecast_series]
    latest_forecasts, latest_levels = await asyncio.gather(
        asyncio.gather(*(_latest_poll(storage, s, now_s) for s in forecast_series)),
        asyncio.gather(*(_latest_poll(storage, s, now_s) for s in levels)))
    found = []
    for series, forecast, level in zip(forecast_series, latest_forecasts, latest_levels):
        if forecast is not None and (level is None or forecast[0] >= level[0]):
            labels = series.labels
            found.append(Attention("toner", labels.get("device", ""),
                                   labels.get("description", labels.get("supply", "")), forecast[1] / DAY_S))
    return found


def _supply_key(series: SeriesInfo) -> tuple[tuple[str, str], ...]:
    """A supply's forecast and level series carry the same labels."""
    return tuple(sorted(series.labels.items()))


async def _latest_poll(storage: StorageBackend, series: SeriesInfo | None,
                       now_s: float) -> tuple[float, float] | None:
    """(start of its one-minute step, value) of the newest finite value within ``LOOKBACK_S``; None without one.
    Every series is stepped from the same start, so two values of one poll share their step."""
    if series is None:
        return None
    end_ms = int(now_s * 1000) + 1
    result = await storage.query_range(series.id, end_ms - int(LOOKBACK_S * 1000), end_ms, int(POLL_STEP_S * 1000),
                                       "last")
    finite = [(t / 1000.0, float(v)) for t, v in zip(result.timestamps_ms, result.values) if math.isfinite(v)]
    return finite[-1] if finite else None


def _host_attention(kind: AttentionKind, series: SeriesInfo, days_left: float) -> Attention:
    labels = series.labels
    owner = labels.get("host") or labels.get("agent", "")
    return Attention(kind, owner, labels.get("mountpoint") or labels.get("target", ""), days_left)


async def _hourly_points(storage: StorageBackend, series: Iterable[SeriesInfo],
                         now_s: float) -> list[list[tuple[float, float]]]:
    end_ms = int(now_s * 1000) + 1
    start_ms = end_ms - int(TREND_WINDOW_S * 1000)
    results = await asyncio.gather(*(storage.query_range(s.id, start_ms, end_ms, int(TREND_STEP_S * 1000), "avg")
                                     for s in series))
    return [[(t / 1000.0, float(v)) for t, v in zip(r.timestamps_ms, r.values)] for r in results]
