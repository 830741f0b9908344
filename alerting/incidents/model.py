"""The fault-handling form (故障处理单) as SQLAlchemy 2.0 tables, its lifecycle, and the records callers get.

Rows stay inside the store; callers get frozen ``Incident`` and ``TimelineEntry`` records, so nothing they
hold can write back. Every time column is aware UTC on every database (``UtcDateTime``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from itops.alerting.rules.model import Severity
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "TRANSITIONS",
    "AffectedAsset",
    "Category",
    "Incident",
    "IncidentState",
    "Source",
    "TimelineEntry",
    "TimelineKind",
    "UtcDateTime",
]


class Category(str, enum.Enum):
    """The five maintenance domains (运维五大领域)."""

    ENVIRONMENT = "environment"
    HARDWARE = "hardware"
    NETWORK = "network"
    BASE_SOFTWARE = "base_software"
    APPLICATION = "application"

    @property
    def name_zh(self) -> str:
        return _CATEGORY_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _CATEGORY_NAMES[self][1]


_CATEGORY_NAMES = {
    Category.ENVIRONMENT: ("机房环境", "Server-room environment"),
    Category.HARDWARE: ("硬件", "Hardware"),
    Category.NETWORK: ("网络", "Network"),
    Category.BASE_SOFTWARE: ("基础软件", "Base software"),
    Category.APPLICATION: ("应用", "Application"),
}


class IncidentState(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_VENDOR = "waiting_for_vendor"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Source(str, enum.Enum):
    ALERT = "alert"
    MANUAL = "manual"


class TimelineKind(str, enum.Enum):
    OPENED = "opened"
    TRANSITION = "transition"
    NOTE = "note"
    ASSIGNED = "assigned"
    SEVERITY = "severity"
    ALERT_ATTACHED = "alert_attached"
    VENDOR_TICKET = "vendor_ticket"
    ESCALATED = "escalated"  # to_value: the escalation level (0-based); text: who was notified
    LINKED = "linked"  # to_value: the related incident's id
    BREACH_REASON = "breach_reason"  # text: why the SLA was missed (超时原因)
    RESOLVED_WHILE_FIRING = "resolved_while_firing"  # text: the fingerprints of its alerts still firing then


_S = IncidentState
TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    _S.OPEN: frozenset({_S.ACKNOWLEDGED}),
    _S.ACKNOWLEDGED: frozenset({_S.IN_PROGRESS, _S.WAITING_FOR_VENDOR, _S.RESOLVED}),  # the form needs no "in progress"
    _S.IN_PROGRESS: frozenset({_S.WAITING_FOR_VENDOR, _S.RESOLVED}),
    _S.WAITING_FOR_VENDOR: frozenset({_S.IN_PROGRESS, _S.RESOLVED}),
    _S.RESOLVED: frozenset({_S.CLOSED, _S.OPEN, _S.IN_PROGRESS}),  # the last two are a reopen
    _S.CLOSED: frozenset(),
}


class UtcDateTime(sa.TypeDecorator):
    """Aware UTC in and out; SQLite keeps no zone, so values are stored as naive UTC everywhere."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: incident times must be aware (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _enum(enum_class: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(enum_class, native_enum=False, length=32, values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    pass


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    category: Mapped[Category] = mapped_column(_enum(Category))
    reporter: Mapped[str] = mapped_column(sa.String(100))
    assignee: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    state: Mapped[IncidentState] = mapped_column(_enum(IncidentState), index=True)
    cause: Mapped[str | None] = mapped_column(sa.Text)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    vendor_ticket: Mapped[str | None] = mapped_column(sa.String(100))
    signed_off_by: Mapped[str | None] = mapped_column(sa.String(100))
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    source: Mapped[Source] = mapped_column(_enum(Source))
    group_key: Mapped[str | None] = mapped_column(sa.String(500), index=True)
    related_incident: Mapped[str | None] = mapped_column(sa.String(20))
    breach_reason: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when the fault began, if known

    assets: Mapped[list[AssetRow]] = relationship(order_by="AssetRow.position")
    alerts: Mapped[list[AlertLinkRow]] = relationship(order_by="AlertLinkRow.attached_at")


class AssetRow(Base):
    __tablename__ = "incident_assets"

    incident_id: Mapped[str] = mapped_column(sa.ForeignKey("incidents.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    asset_number: Mapped[str | None] = mapped_column(sa.String(100))


class AlertLinkRow(Base):
    __tablename__ = "incident_alerts"

    incident_id: Mapped[str] = mapped_column(sa.ForeignKey("incidents.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
    attached_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TimelineRow(Base):
    __tablename__ = "incident_timeline"

    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    who: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[TimelineKind] = mapped_column(_enum(TimelineKind))
    from_value: Mapped[str | None] = mapped_column(sa.String(100))
    to_value: Mapped[str | None] = mapped_column(sa.String(100))
    text: Mapped[str | None] = mapped_column(sa.Text)
    entered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when it was typed in (``at`` may be earlier)
    entered_by: Mapped[str | None] = mapped_column(sa.String(100))  # who typed it in


class SequenceRow(Base):
    """The last number handed out per year; its row lock is what keeps concurrent ids distinct."""

    __tablename__ = "incident_sequence"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(sa.Integer)


@dataclass(frozen=True, slots=True)
class AffectedAsset:
    name: str  # host or device name
    asset_number: str | None = None  # 资产编号


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    incident_id: str
    at: datetime  # when it happened: earlier than ``entered_at`` when typed in afterwards
    who: str
    kind: TimelineKind
    from_value: str | None
    to_value: str | None
    text: str | None
    entered_at: datetime | None = None  # None on entries from before schema step 3
    entered_by: str | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str
    severity: Severity
    category: Category
    assets: tuple[AffectedAsset, ...]
    reporter: str
    assignee: str | None
    state: IncidentState
    cause: str | None
    resolution: str | None
    vendor_ticket: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    opened_at: datetime  # when the fault was reported: the SLA clocks run from it
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    fingerprints: tuple[str, ...]
    source: Source
    group_key: str | None = None  # the policy's grouping of the alerts that opened it
    related_incident: str | None = None  # the earlier incident a recurrence follows (on_recurrence: link)
    breach_reason: str | None = None  # the latest BREACH_REASON entry's text
    occurred_at: datetime | None = None  # when the fault began, at or before ``opened_at``

    @classmethod
    def from_row(cls, row: IncidentRow) -> Incident:
        return cls(
            id=row.id, title=row.title, severity=row.severity, category=row.category,
            assets=tuple(AffectedAsset(a.name, a.asset_number) for a in row.assets),
            reporter=row.reporter, assignee=row.assignee, state=row.state, cause=row.cause,
            resolution=row.resolution, vendor_ticket=row.vendor_ticket, signed_off_by=row.signed_off_by,
            signed_off_at=row.signed_off_at, opened_at=row.opened_at, acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at, closed_at=row.closed_at,
            fingerprints=tuple(link.fingerprint for link in row.alerts), source=row.source,
            group_key=row.group_key, related_incident=row.related_incident, breach_reason=row.breach_reason,
            occurred_at=row.occurred_at,
        )
