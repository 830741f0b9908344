"""Reporting a check result: the CheckResult itself, plus its status as 0/1 gauges and its duration.

Every input that checks something reports through ``report_check``, so a check always yields the same
series: ``itops_check_status{check,target,status}`` (1 for the current status, 0 for the other three,
like a Prometheus state set) and ``itops_check_duration_seconds{check,target}``.
"""

from __future__ import annotations

import enum

from itops.agent.inputs.base import Accumulator
from itops.v1 import ingest_pb2

__all__ = ["CheckStatus", "report_check"]


class CheckStatus(enum.IntEnum):
    OK = ingest_pb2.CHECK_STATUS_OK
    WARNING = ingest_pb2.CHECK_STATUS_WARNING
    CRITICAL = ingest_pb2.CHECK_STATUS_CRITICAL
    UNKNOWN = ingest_pb2.CHECK_STATUS_UNKNOWN


def report_check(acc: Accumulator, check: str, target: str, status: CheckStatus, message: str,
                 duration_s: float = 0.0, labels: dict[str, str] | None = None) -> None:
    result = ingest_pb2.CheckResult(check=check, target=target, status=int(status), message=message,
                                    duration_seconds=duration_s)
    for name, value in (labels or {}).items():
        result.labels.add(name=name, value=value)
    acc.add_check(result)
    series_labels = {**(labels or {}), "check": check, "target": target}
    for candidate in CheckStatus:
        acc.add_sample("itops_check_status", float(candidate is status), {**series_labels, "status": candidate.name.lower()})
    acc.add_sample("itops_check_duration_seconds", duration_s, series_labels)
