"""``itops report monthly|daily``: fetch a report file from the collector's API and save it.

itops report monthly --month 2026-10 [--lang zh-CN|en] [--format pdf|html|csv] [-o FILE] [--url URL] [--token T]
itops report daily [--date 2026-10-05] [--lang zh-CN|en] [--format html|txt] [-o FILE] [--url URL] [--token T]

``report daily`` without a date is today's report in the reports' zone (the collector's ``reports.time_zone``):
the evening's when it is made, else one made now that says it is interim. Prints the path of the file written. Reports need the viewer role: a user API token (default $ITOPS_TOKEN).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from itops.collector.cli.api_client import ApiUnreachable, download
from itops.common.units import LANGUAGES

__all__ = ["add_report_parser", "run_report"]

DOWNLOAD_TIMEOUT_S = 120  # a monthly report not stored yet is made on demand, which takes a few seconds
_FILENAME_RE = re.compile(r'filename="([^"/\\]+)"')


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    """Adds ``report monthly|daily`` to the ``itops`` command; its handler is ``run_report``."""
    report = subparsers.add_parser("report", help="download the monthly SLA report or a daily inspection report")
    kinds = report.add_subparsers(dest="report_kind", required=True)
    monthly = kinds.add_parser("monthly", help="the monthly SLA report (made on demand when not stored)")
    monthly.add_argument("--month", required=True, help="YYYY-MM in the reports' time zone, e.g. 2026-10")
    monthly.add_argument("--format", default="pdf", choices=["pdf", "html", "csv"])
    daily = kinds.add_parser("daily", help="a daily inspection report (巡检日报); today's is made on demand")
    daily.add_argument("--date", help="YYYY-MM-DD in the reports' time zone (default: today there), e.g. 2026-10-05")
    daily.add_argument("--format", default="html", choices=["html", "txt"])
    for command in (monthly, daily):
        command.add_argument("--lang", default="zh-CN", choices=LANGUAGES)
        command.add_argument("-o", "--output", help="file to write (default: the server's file name, in the current directory)")
        command.add_argument("--url", dest="report_url", help="collector HTTP API (default: itops --url)")
        command.add_argument("--token", default=os.environ.get("ITOPS_TOKEN", ""), help="API token (default $ITOPS_TOKEN)")


def run_report(args: argparse.Namespace) -> int:
    period = ("month", args.month) if args.report_kind == "monthly" else ("date", args.date or "")
    params = [("lang", args.lang), ("format", args.format)] + ([period] if period[1] else [])
    try:
        content, headers = download(args.report_url or args.url, f"/api/v1/reports/{args.report_kind}", params,
                                    args.token, DOWNLOAD_TIMEOUT_S)
    except ApiUnreachable as exc:
        print(f"itops: {exc}", file=sys.stderr)
        return 1
    found = _FILENAME_RE.search(headers.get("Content-Disposition", ""))
    server_name = found.group(1) if found else None
    path = Path(args.output or server_name or f"itops-{args.report_kind}-{period[1] or 'today'}.{args.lang}.{args.format}")
    path.write_bytes(content)
    print(path)
    return 0
