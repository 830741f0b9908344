"""The ``alerting.incidents.sla`` config section: response and resolution targets per severity and the calendars
they count on (docs/sla.md). Loading a config file imports it, so it holds models only (``sla`` runs the clocks)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from itops.alerting.incidents.sla_calendar import CalendarConfig, check_calendar
from itops.alerting.rules.model import Severity
from itops.common.yaml_config import Duration, FieldProblem

__all__ = ["SeverityTarget", "SlaConfig", "check_sla", "default_calendars", "default_targets"]

_HOUR_S = 3600.0


class SeverityTarget(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    respond: Annotated[Duration, Meta(description="Longest response time (opened → first acknowledgement), e.g. 10m.")]
    respond_calendar: Annotated[str, Meta(description="Name of the calendar (in `calendars`) response time counts on.")] = "7x24"
    resolve: Annotated[Duration, Meta(description="Longest resolution time (time not resolved until the final resolution), e.g. 4h.")]
    resolve_calendar: Annotated[str, Meta(description="Name of the calendar (in `calendars`) resolution time counts on.")] = "7x24"


def default_calendars() -> dict[str, CalendarConfig]:
    return {"7x24": CalendarConfig(kind="7x24"), "business_hours": CalendarConfig(kind="business_hours")}


def default_targets() -> dict[Severity, SeverityTarget]:
    # Plain floats rather than Duration(...): the reference page JSON-encodes defaults. A business day is
    # 9 h (08:30–17:30), so P3's 3 business days are 27 h and P4's 5 are 45 h of business time.
    def target(respond_s: float, respond_calendar: str, resolve_s: float, resolve_calendar: str) -> SeverityTarget:
        return SeverityTarget(respond=respond_s, respond_calendar=respond_calendar,  # type: ignore[arg-type]
                              resolve=resolve_s, resolve_calendar=resolve_calendar)  # type: ignore[arg-type]

    return {
        Severity.P1: target(10 * 60.0, "7x24", 4 * _HOUR_S, "7x24"),
        Severity.P2: target(30 * 60.0, "7x24", 8 * _HOUR_S, "7x24"),
        Severity.P3: target(2 * _HOUR_S, "business_hours", 27 * _HOUR_S, "business_hours"),
        Severity.P4: target(24 * _HOUR_S, "7x24", 45 * _HOUR_S, "business_hours"),
    }


class SlaConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    calendars: Annotated[dict[str, CalendarConfig], Meta(
        description="Named calendars targets count on. The built-in `7x24` and `business_hours` (08:30–17:30 "
                    "Mon–Fri, Chinese holidays and make-up workdays) are always there; a calendar given under "
                    "one of those names replaces it.")] = msgspec.field(default_factory=default_calendars)
    targets: Annotated[dict[Severity, SeverityTarget], Meta(
        description="Response and resolution targets per severity; severities not listed keep their defaults "
                    "(P1 10m/4h 7x24, P2 30m/8h 7x24, P3 2h/27h business_hours, P4 24h 7x24 / 45h business_hours).")] = (
        msgspec.field(default_factory=default_targets))
    pause_while_waiting_for_vendor: Annotated[bool, Meta(
        description="Stop the resolution clock while an incident waits for a vendor (等待厂商).")] = True
    exclude_maintenance: Annotated[bool, Meta(
        description="Leave out time inside maintenance periods that cover every affected asset.")] = True

    def all_calendars(self) -> dict[str, CalendarConfig]:
        return {**default_calendars(), **self.calendars}

    def all_targets(self) -> dict[Severity, SeverityTarget]:
        return {**default_targets(), **self.targets}


def check_sla(config: SlaConfig) -> None:
    """Raise FieldProblem (field relative to the SLA section) for what the types cannot say."""
    for name, calendar in config.calendars.items():
        try:
            check_calendar(calendar)
        except FieldProblem as problem:
            raise FieldProblem(f"calendars.{name}.{problem.field}", problem.problem) from None
    known = config.all_calendars()
    for severity, target in config.targets.items():
        where = f"targets.{severity.value}"
        for field in ("respond", "resolve"):
            if getattr(target, field) <= 0:
                raise FieldProblem(f"{where}.{field}", "must be above zero, e.g. 30m")
            calendar = getattr(target, f"{field}_calendar")
            if calendar not in known:
                raise FieldProblem(f"{where}.{field}_calendar",
                                   f"unknown calendar {calendar!r}; known: {', '.join(sorted(known))}")
