"""The ``reports`` section of the collector config. Loading a config file imports it, so it holds models only."""

from __future__ import annotations

from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import Meta

from itops.alerting.incidents.sla_calendar import time_of_day
from itops.common.units import Language

__all__ = ["DEFAULT_AVAILABILITY_ALERTS", "MONTHLY_FORMATS", "MonthlyFormat", "ReportEmailConfig", "ReportsConfig"]

MonthlyFormat = Literal["pdf", "html", "csv"]
MONTHLY_FORMATS: tuple[MonthlyFormat, ...] = get_args(MonthlyFormat)
# The shipped rules (alerting/rules/*.yaml) that mean "this host, device or service is not available".
DEFAULT_AVAILABILITY_ALERTS = (
    "HostOffline", "DeviceOffline", "SnmpDeviceUnreachable", "PingHostUnreachable", "TcpServiceDown",
    "HttpServiceDown", "SystemdUnitFailed", "ProcessNotRunning", "AttendanceClockOffline",
)


class ReportEmailConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    smtp_host: Annotated[str, Meta(min_length=1, description="SMTP server host name.")]
    smtp_port: Annotated[Annotated[int, Meta(ge=1, le=65535)] | None,
                         Meta(description="SMTP port. Defaults to 587 with `starttls`, else 25.")] = None
    starttls: Annotated[bool, Meta(description="Upgrade the connection with STARTTLS before logging in (false: plain, for a relay on the local network).")] = True
    ca_file: Annotated[str | None, Meta(description="PEM file of the CAs to trust for STARTTLS instead of the system's.")] = None
    username: Annotated[str | None, Meta(description="Log in with this user name; none: send without logging in.")] = None
    password_file: Annotated[str | None, Meta(description="File holding the password for `username` (read at each sending, so it can be rotated).")] = None
    from_address: Annotated[str, Meta(min_length=3, description="Sender, e.g. `itops <reports@example.com>`; written `from`.")] = msgspec.field(name="from")
    to: Annotated[list[str], Meta(min_length=1, description="Recipients' addresses.")]

    def __post_init__(self):
        if (self.username is None) != (self.password_file is None):
            raise ValueError("username and password_file go together")


class ReportsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    enabled: Annotated[bool, Meta(description="Produce the monthly and daily reports on schedule (the reports API works either way).")] = True
    time_zone: Annotated[str, Meta(description="IANA zone of the report months, the run times and the times shown in reports.")] = "Asia/Shanghai"
    languages: Annotated[list[Language], Meta(min_length=1, description="Languages each report is produced in: `zh-CN`, `en`.")] = msgspec.field(default_factory=lambda: ["zh-CN"])
    formats: Annotated[list[MonthlyFormat], Meta(min_length=1, description="Formats of the monthly report: `pdf`, `html`, `csv`.")] = msgspec.field(default_factory=lambda: ["pdf", "html", "csv"])
    monthly_at: Annotated[str | int, Meta(description="Local time on the 1st the previous month's report is made, quoted 'HH:MM'.")] = "01:00"
    daily_at: Annotated[str | int, Meta(description="Local time the day's inspection report (巡检日报) is made, quoted 'HH:MM'.")] = "18:00"
    keep_daily: Annotated[int, Meta(ge=1, description="Days daily reports are kept; monthly reports are kept for good.")] = 90
    availability_alerts: Annotated[list[str], Meta(description="Alerts (by alertname) whose firing time counts as downtime of their host, device or service in the availability figures.")] = msgspec.field(default_factory=lambda: list(DEFAULT_AVAILABILITY_ALERTS))
    email: Annotated[ReportEmailConfig | None, Meta(description="Mail each monthly report (PDF and CSV attached), one message per language. None: files only.")] = None

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone: unknown time zone {self.time_zone!r}; write an IANA name such as Asia/Shanghai") from None
        for field in ("monthly_at", "daily_at"):
            time_of_day(getattr(self, field), field)  # raises FieldProblem, a ValueError naming the field
