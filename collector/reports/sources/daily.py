"""Writing the daily inspection report (巡检日报) from what the collector knows.

``gather_daily_inspection`` reads the entity directory, fits last week's trends of printer supplies and
filesystems, reads certificate expiries and takes the open incidents with their SLA clocks, as they are now;
``write_daily_report`` writes it as ``<reports_dir>/daily/YYYY-MM-DD.<language>.html`` and ``.txt`` for each
language. The scheduler writes it every evening (and makes up a missed evening at start) and prunes old
files; the reports API renders it on demand without writing it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.dispatch.messages import Language
from itops.collector.reports.figures.daily import (
    Attention, DailyInspection, OpenIncident, build_daily_inspection, days_until_empty, days_until_full, render_daily_html,
    render_daily_text,
)
from itops.collector.records.entities import EntityDirectory, latest_values
from itops.collector.reports.schedule import DAILY_FORMATS, daily_report_path, write_atomically
from itops.collector.storage.base import SeriesInfo, StorageBackend

__all__ = ["CERTIFICATE_METRICS", "TREND_WINDOW_S", "gather_daily_inspection", "render_daily", "trend_forecasts",
           "write_daily_report"]

TREND_WINDOW_S = 7 * 86400.0
TREND_MIN_COVERAGE = 1 / 7  # a forecast needs a day of the week's hourly points, not the first hours
TREND_STEP_S = 3600.0  # hourly means: enough points for a week's fit, few enough to read for every series
CERTIFICATE_LOOKBACK_S = 86400.0
CERTIFICATE_METRICS = ("itops_http_tls_certificate_expiry_seconds", "itops_tls_certificate_file_expiry_seconds")
DEFAULT_LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")


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
    forecasts = await trend_forecasts(storage, now_s)
    open_incidents = await asyncio.to_thread(_open_incidents, incidents, sla, generated_at, maintenance)
    return build_daily_inspection(entities, open_incidents, forecasts, day, time_zone, generated_at, evening_at)


def render_daily(report: DailyInspection, language: Language, fmt: str) -> bytes:
    """``fmt``: html or txt."""
    rendered = render_daily_html(report, language) if fmt == "html" else render_daily_text(report, language)
    return rendered.encode("utf-8")


async def write_daily_report(report: DailyInspection, reports_dir: Path,
                             languages: Sequence[Language] = DEFAULT_LANGUAGES) -> list[Path]:
    """The paths written, HTML then text per language."""
    written = []
    for language in languages:
        for fmt in DAILY_FORMATS:
            path = daily_report_path(Path(reports_dir), report.day, language, fmt)
            await asyncio.to_thread(write_atomically, path, render_daily(report, language, fmt))
            written.append(path)
    return written


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


async def trend_forecasts(storage: StorageBackend, now_s: float) -> list[Attention]:
    """Supplies and filesystems with a trend over the last week, and every certificate's days left."""
    toner = storage.list_series("itops_printer_supply_remaining_ratio")
    disks = storage.list_series("itops_host_filesystem_usage_ratio")
    certificates = [s for name in CERTIFICATE_METRICS for s in storage.list_series(name)]
    toner_points, disk_points, certificate_values = await asyncio.gather(
        _hourly_points(storage, toner, now_s), _hourly_points(storage, disks, now_s),
        latest_values(storage, (s.id for s in certificates), now_s, CERTIFICATE_LOOKBACK_S))
    found = [_forecast("toner", s, days_until_empty(p, TREND_WINDOW_S, TREND_MIN_COVERAGE)) for s, p in zip(toner, toner_points)]
    found += [_forecast("disk", s, days_until_full(p, TREND_WINDOW_S, TREND_MIN_COVERAGE)) for s, p in zip(disks, disk_points)]
    found += [_forecast("certificate", s, certificate_values[s.id] / 86400.0)
              for s in certificates if s.id in certificate_values]
    return [f for f in found if f is not None]


def _forecast(kind, series: SeriesInfo, days_left: float | None) -> Attention | None:
    if days_left is None:
        return None
    labels = series.labels
    if kind == "toner":
        return Attention(kind, labels.get("device", ""), labels.get("description", labels.get("supply", "")), days_left)
    owner = labels.get("host") or labels.get("agent", "")
    return Attention(kind, owner, labels.get("mountpoint") or labels.get("target", ""), days_left)


async def _hourly_points(storage: StorageBackend, series: Iterable[SeriesInfo],
                         now_s: float) -> list[list[tuple[float, float]]]:
    end_ms = int(now_s * 1000) + 1
    start_ms = end_ms - int(TREND_WINDOW_S * 1000)
    results = await asyncio.gather(*(storage.query_range(s.id, start_ms, end_ms, int(TREND_STEP_S * 1000), "avg")
                                     for s in series))
    return [[(t / 1000.0, float(v)) for t, v in zip(r.timestamps_ms, r.values)] for r in results]
