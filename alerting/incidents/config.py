"""The ``alerting.incidents`` config section: which alerts open incidents (policies), the SLA targets, on-call
schedules and the response escalation ladder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from itops.alerting.incidents.oncall import OnCallConfig, check_oncall
from itops.alerting.incidents.sla_config import SlaConfig, check_sla
from itops.alerting.muting.matchers import MatcherError, parse_matchers
from itops.common.yaml_config import Duration, FieldProblem

__all__ = [
    "DEFAULT_POLICY",
    "FALLBACK_CATEGORY",
    "ONCALL_PREFIX",
    "EscalationConfig",
    "EscalationLevel",
    "IncidentPolicy",
    "IncidentsConfig",
    "check_incidents",
]

ONCALL_PREFIX = "oncall:"
# An alert without a usable `category` label most often comes from a site's own rule on a host metric,
# check or service, which the five domains file under base software (基础软件).
FALLBACK_CATEGORY = "base_software"
CategoryChoice = Literal["from_label", "environment", "hardware", "network", "base_software", "application"]


class IncidentPolicy(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, description="Name of the policy, shown in logs and errors.")]
    matchers: Annotated[list[str], Meta(description='Labels an alert must have, in silence syntax, e.g. [\'severity=~"P1|P2"\']. Empty matches every alert.')] = []
    category: Annotated[CategoryChoice, Meta(description="Category of opened incidents: one of the five domains, or `from_label` to read the alert's `category` label.")] = "from_label"
    fallback_category: Annotated[Literal["environment", "hardware", "network", "base_software", "application"], Meta(description="Category when `from_label` finds no valid `category` label.")] = FALLBACK_CATEGORY
    group_by: Annotated[list[str], Meta(description="Labels whose values group alerts: a firing alert with the same values as an open incident's alerts is attached to it.")] = msgspec.field(default_factory=lambda: ["alertname", "host", "device"])
    reopen_within: Annotated[Duration, Meta(description="A recurrence this soon after the incident was resolved is handled per `on_recurrence`; later ones open a new incident.")] = Duration(3600)
    on_recurrence: Annotated[Literal["reopen", "link"], Meta(description="`reopen`: the resolved incident goes back to open; `link`: a new incident is opened, related to it.")] = "reopen"
    open_when_muted: Annotated[bool, Meta(description="Open incidents for alerts that are silenced, in maintenance or behind a down parent.")] = False
    auto_resolve: Annotated[bool, Meta(description="Resolve the incident (as `alerting`) when every alert attached to it has resolved.")] = False


DEFAULT_POLICY = IncidentPolicy(name="default", matchers=['severity=~"P1|P2|P3"'])


class EscalationLevel(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    at: Annotated[float, Meta(ge=0, description="When this level is reached, as a fraction of the response target (0.5 = half of it gone unacknowledged).")]
    notify: Annotated[str, Meta(min_length=1, description="Who is told: `oncall:<schedule>` (whoever is on call then) or a person from `oncall.people`.")]


class EscalationConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    levels: Annotated[list[EscalationLevel], Meta(description="Response escalation ladder; stops once the incident is acknowledged. Each level notifies once.")] = []


class IncidentsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    database: Annotated[str, Meta(description="SQLAlchemy URL of the incident database, e.g. `postgresql+psycopg://itops@db/itops`. Empty: SQLite in `<data_dir>/alerting/incidents.sqlite3`.")] = ""
    policies: Annotated[list[IncidentPolicy], Meta(description="Which alerts open incidents; the first matching policy wins, no match means no incident. Default: P1–P3 alerts, grouped by alertname, host and device.")] = msgspec.field(default_factory=lambda: [DEFAULT_POLICY])
    sla: Annotated[SlaConfig, Meta(description="Response and resolution targets per severity and the calendars they count on (docs/sla.md).")] = msgspec.field(default_factory=SlaConfig)
    oncall: Annotated[OnCallConfig, Meta(description="People, their receivers and on-call rotations.")] = msgspec.field(default_factory=OnCallConfig)
    escalation: Annotated[EscalationConfig, Meta(description="Who is told while an incident stays unacknowledged.")] = msgspec.field(default_factory=EscalationConfig)


def check_incidents(config: IncidentsConfig, receivers: Iterable[str]) -> None:
    """Raise FieldProblem (field relative to the section) for what types cannot say."""
    _check_policies(config.policies)
    for section, check in (("sla", lambda: check_sla(config.sla)),
                           ("oncall", lambda: check_oncall(config.oncall, receivers))):
        try:
            check()
        except FieldProblem as problem:
            raise FieldProblem(f"{section}.{problem.field}", problem.problem) from None
    for index, level in enumerate(config.escalation.levels):
        _check_target(level.notify, config.oncall, f"escalation.levels[{index}].notify")


def _check_policies(policies: list[IncidentPolicy]) -> None:
    seen: set[str] = set()
    for index, policy in enumerate(policies):
        if policy.name in seen:
            raise FieldProblem(f"policies[{index}].name", f"another policy is already named {policy.name!r}")
        seen.add(policy.name)
        try:
            parse_matchers(policy.matchers)
        except MatcherError as exc:
            raise FieldProblem(f"policies[{index}].matchers", str(exc)) from None


def _check_target(target: str, oncall: OnCallConfig, field: str) -> None:
    if target.startswith(ONCALL_PREFIX):
        schedule = target[len(ONCALL_PREFIX):]
        if schedule not in oncall.schedules:
            known = ", ".join(sorted(oncall.schedules)) or "none configured"
            raise FieldProblem(field, f"no on-call schedule named {schedule!r} (oncall.schedules: {known})")
    elif target not in oncall.people:
        known = ", ".join(sorted(oncall.people)) or "none configured"
        raise FieldProblem(field, f"{target!r} is neither `oncall:<schedule>` nor a person in oncall.people ({known})")
