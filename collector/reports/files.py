"""Where reports are kept under ``<data_dir>/reports``, and how they are written, listed and pruned.

Monthly reports are ``monthly/<YYYY-MM>.<language>.<pdf|html|csv>`` and kept for good; daily reports are
``daily/<YYYY-MM-DD>.<language>.<html|txt>`` and deleted after ``reports.keep_daily`` days. Every file is
written whole or not at all.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from itops.collector.reports.figures.daily_inspection import DailyInspection
from itops.collector.reports.render.to_file import DAILY_FORMATS, render_daily
from itops.common.units import Language

__all__ = ["daily_report_path", "monthly_report_path", "prune_daily_reports", "stored_reports", "write_atomically",
           "write_daily_report"]

_STORED_NAME_RE = re.compile(r"^(?P<period>\d{4}-\d{2}(?:-\d{2})?)\.(?P<language>zh-CN|en)\.(?P<format>pdf|html|csv|txt)$")


def monthly_report_path(reports_dir: Path, month_label: str, language: str, fmt: str) -> Path:
    return reports_dir / "monthly" / f"{month_label}.{language}.{fmt}"


def daily_report_path(reports_dir: Path, day: date, language: str, fmt: str) -> Path:
    return reports_dir / "daily" / f"{day.isoformat()}.{language}.{fmt}"


def write_atomically(path: Path, content: bytes) -> None:
    """A reader (the console, a mail job) never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


async def write_daily_report(report: DailyInspection, reports_dir: Path, languages: Sequence[Language]) -> list[Path]:
    """The paths written, HTML then text per language."""
    written = []
    for language in languages:
        for fmt in DAILY_FORMATS:
            path = daily_report_path(Path(reports_dir), report.day, language, fmt)
            await asyncio.to_thread(write_atomically, path, render_daily(report, language, fmt))
            written.append(path)
    return written


def prune_daily_reports(reports_dir: Path, before: date) -> int:
    """Delete daily report files of days before ``before``; files not named by day are left alone."""
    removed = 0
    for path in (reports_dir / "daily").glob("*"):
        try:
            day = date.fromisoformat(path.name.split(".", 1)[0])
        except ValueError:
            continue
        if day < before:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def stored_reports(reports_dir: Path) -> list[dict]:
    """Every stored report file, monthly then daily, newest first, with the API address that serves it."""
    found = []
    for kind in ("monthly", "daily"):
        for path in sorted((reports_dir / kind).glob("*"), reverse=True):
            match = _STORED_NAME_RE.match(path.name)
            if match is None:
                continue
            stat = path.stat()
            query = f"{'month' if kind == 'monthly' else 'date'}={match['period']}&lang={match['language']}&format={match['format']}"
            found.append({"kind": kind, "period": match["period"], "language": match["language"],
                          "format": match["format"], "size_bytes": stat.st_size,
                          "written_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
                          "url": f"/api/v1/reports/{kind}?{query}"})
    return found
