"""``IncidentStore``: incident records, their lifecycle and an append-only audit timeline, on any SQLAlchemy URL.

Every change and its timeline entry are written in one transaction. The store has no method that edits or
deletes a timeline entry: the audit trail only grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from itops.alerting.incidents import migrations
from itops.alerting.incidents.model import (
    TRANSITIONS,
    AffectedAsset,
    AlertLinkRow,
    AssetRow,
    Category,
    Incident,
    IncidentRow,
    IncidentState,
    SequenceRow,
    Source,
    TimelineEntry,
    TimelineKind,
    TimelineRow,
)
from itops.alerting.rules.model import Severity
from itops.common.clock import said_utc
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

__all__ = ["ALERTING", "MAX_CLOCK_SKEW", "IllegalTransition", "IncidentError", "IncidentStore", "IncidentTimeError",
           "NoSuchIncident"]

_DEDICATED_METHOD = {
    IncidentState.ACKNOWLEDGED: "acknowledge()",
    IncidentState.RESOLVED: "resolve()",
    IncidentState.CLOSED: "close()",
}
_TEAM_ZONE = ZoneInfo("Asia/Shanghai")
_ID_ATTEMPTS = 3  # the first incident of a year raced by another writer: retry after its insert commits
_IDS_PER_QUERY = 900  # below every SQLite build's bound-parameter limit
_FINISHED = (IncidentState.RESOLVED, IncidentState.CLOSED)
ALERTING = "alerting"  # who the timeline names for what the alerting pipeline did
# A time given for a step may be this far ahead of the clock of whoever types it in (their clocks differ by
# that much); it is then taken as "now". Anything later is refused as in the future.
MAX_CLOCK_SKEW = timedelta(minutes=2)
_LIFECYCLE_KINDS = (TimelineKind.OPENED, TimelineKind.TRANSITION)
_TIMELINE = sa.select(TimelineRow.incident_id, TimelineRow.at, TimelineRow.who, TimelineRow.kind,  # TimelineEntry's fields
                      TimelineRow.from_value, TimelineRow.to_value, TimelineRow.text, TimelineRow.entered_at,
                      TimelineRow.entered_by)


class IncidentError(Exception):
    pass


class NoSuchIncident(IncidentError, LookupError):
    pass


class IncidentClosed(IncidentError):
    """A closed incident is signed off: its record is final."""


class IncidentTimeError(IncidentError, ValueError):
    """A time given for a step that the incident's history does not allow; ``field`` names it."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class IllegalTransition(IncidentError):
    def __init__(self, incident_id: str, from_state: IncidentState, to_state: IncidentState):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[from_state])) or "none, it is final"
        super().__init__(
            f"incident {incident_id}: cannot go from {from_state.value} to {to_state.value} (allowed: {allowed})")
        self.from_state = from_state
        self.to_state = to_state


class IncidentStore:
    def __init__(self, engine: sa.Engine, year_zone: tzinfo = _TEAM_ZONE):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._year_zone = year_zone  # ids count per calendar year where the team works

    @classmethod
    def open(cls, url: str, year_zone: tzinfo = _TEAM_ZONE) -> IncidentStore:
        """Connect and upgrade the schema to the newest migration step."""
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            _serialize_sqlite_writers(engine)
        migrations.upgrade(engine)
        return cls(engine, year_zone)

    def dispose(self) -> None:
        self._engine.dispose()

    def open_incident(
        self, *, title: str, severity: Severity, category: Category, reporter: str, at: datetime,
        source: Source = Source.MANUAL, assets: Iterable[AffectedAsset] = (), assignee: str | None = None,
        fingerprints: Iterable[str] = (), vendor_ticket: str | None = None, group_key: str | None = None,
        related_incident: str | None = None, occurred_at: datetime | None = None, entered_at: datetime | None = None,
    ) -> Incident:
        """``at``: when the fault was reported, from which the SLA clocks run; ``occurred_at``: when it began,
        if known. ``entered_at``: when this was typed in, if ``at`` may be earlier (else it is ``at``).
        ``related_incident``: the earlier incident this one follows; both timelines get a LINKED entry."""
        assets, fingerprints = tuple(assets), tuple(dict.fromkeys(fingerprints))
        at = _not_in_future("reported_at", at, entered_at)
        if occurred_at is not None and occurred_at > at:
            raise IncidentTimeError("occurred_at", f"{said_utc(occurred_at)} is after the reported time {said_utc(at)}; "
                                                   "a fault begins before it is reported")
        for attempt in range(_ID_ATTEMPTS):
            try:
                with self._sessions.begin() as session:
                    session.info["entered_at"] = entered_at or at
                    row = IncidentRow(
                        id=_next_id(session, at.astimezone(self._year_zone).year), title=title,
                        severity=severity, category=category, reporter=reporter, assignee=assignee,
                        state=IncidentState.OPEN, vendor_ticket=vendor_ticket, opened_at=at, source=source,
                        group_key=group_key, related_incident=related_incident, occurred_at=occurred_at,
                        assets=[AssetRow(position=i, name=a.name, asset_number=a.asset_number)
                                for i, a in enumerate(assets)],
                        alerts=[AlertLinkRow(fingerprint=fp, attached_at=at) for fp in fingerprints],
                    )
                    session.add(row)
                    _record(session, row, reporter, at, TimelineKind.OPENED, None, IncidentState.OPEN.value, title)
                    if related_incident is not None:
                        _link(session, row, _row(session, related_incident), reporter, at)
                    return Incident.from_row(row)
            except IntegrityError:
                if attempt == _ID_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, incident_id: str) -> Incident:
        with self._sessions() as session:
            return Incident.from_row(_row(session, incident_id))

    def list(
        self, *, state: IncidentState | None = None, severity: Severity | None = None,
        category: Category | None = None, assignee: str | None = None,
        opened_between: tuple[datetime, datetime] | None = None, open_only: bool = False,
        newest_first: bool = False, limit: int | None = None,
    ) -> list[Incident]:
        """Incidents matching every given filter, oldest first (or newest first), at most ``limit`` of them;
        ``opened_between`` is [start, end); ``open_only`` leaves out resolved and closed ones."""
        conditions = _conditions(state, severity, category, assignee, opened_between, open_only)
        with self._sessions() as session:
            return _incidents(session, conditions, newest_first, limit)

    def count(
        self, *, state: IncidentState | None = None, severity: Severity | None = None,
        category: Category | None = None, assignee: str | None = None,
        opened_between: tuple[datetime, datetime] | None = None, open_only: bool = False,
    ) -> int:
        """How many incidents ``list`` with the same filters would return without a limit."""
        conditions = _conditions(state, severity, category, assignee, opened_between, open_only)
        with self._sessions() as session:
            return session.execute(sa.select(sa.func.count()).select_from(IncidentRow).where(*conditions)).scalar_one()

    # Every change below takes ``at``, when it happened, and ``entered_at``, when it was typed in: a change
    # entered afterwards ("acknowledged at 03:12 by phone") may not be dated before the incident's previous
    # step nor after ``entered_at``. Without ``entered_at`` it happened as it was entered.

    def acknowledge(self, incident_id: str, who: str, at: datetime, entered_at: datetime | None = None) -> Incident:
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _move(session, row, IncidentState.ACKNOWLEDGED, who, at, None)
            if row.acknowledged_at is None:  # the first acknowledgement is what response time is measured by
                row.acknowledged_at = at
            return Incident.from_row(row)

    def transition(
        self, incident_id: str, to_state: IncidentState, who: str, at: datetime, note: str | None = None,
        vendor_ticket: str | None = None, entered_at: datetime | None = None,
    ) -> Incident:
        """Move to in_progress / waiting_for_vendor, or reopen a resolved incident (to open or in_progress)."""
        if to_state in _DEDICATED_METHOD:
            raise IncidentError(f"use {_DEDICATED_METHOD[to_state]} to move an incident to {to_state.value}")
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            reopening = row.state is IncidentState.RESOLVED
            _move(session, row, to_state, who, at, note)
            if reopening:
                row.resolved_at = None
            if vendor_ticket is not None and vendor_ticket != row.vendor_ticket:
                _record(session, row, who, at, TimelineKind.VENDOR_TICKET, row.vendor_ticket, vendor_ticket, None)
                row.vendor_ticket = vendor_ticket
            return Incident.from_row(row)

    def assign(self, incident_id: str, assignee: str, who: str, at: datetime,
               entered_at: datetime | None = None) -> Incident:
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _refuse_if_closed(row)
            _record(session, row, who, at, TimelineKind.ASSIGNED, row.assignee, assignee, None)
            row.assignee = assignee
            return Incident.from_row(row)

    def change_severity(self, incident_id: str, severity: Severity, who: str, at: datetime, reason: str,
                        entered_at: datetime | None = None) -> Incident:
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _refuse_if_closed(row)
            _record(session, row, who, at, TimelineKind.SEVERITY, row.severity.value, severity.value, reason)
            row.severity = severity
            return Incident.from_row(row)

    def add_note(self, incident_id: str, who: str, at: datetime, text: str, entered_at: datetime | None = None) -> None:
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _refuse_if_closed(row)
            _record(session, row, who, at, TimelineKind.NOTE, None, None, text)

    def resolve(self, incident_id: str, who: str, at: datetime, cause: str, resolution: str,
                entered_at: datetime | None = None, still_firing: Sequence[str] = ()) -> Incident:
        """``still_firing``: the fingerprints of its alerts that were firing when it was resolved anyway."""
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _move(session, row, IncidentState.RESOLVED, who, at, f"{cause}\n{resolution}")
            if still_firing:
                _record(session, row, who, at, TimelineKind.RESOLVED_WHILE_FIRING, None, None, ", ".join(still_firing))
            row.cause, row.resolution, row.resolved_at = cause, resolution, at
            return Incident.from_row(row)

    def close(self, incident_id: str, who: str, at: datetime, sign_off: str,
              entered_at: datetime | None = None) -> Incident:
        """Close with the sign-off (确认人签字) of ``sign_off``, at ``at``."""
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _move(session, row, IncidentState.CLOSED, who, at, f"signed off by {sign_off}")
            row.signed_off_by, row.signed_off_at, row.closed_at = sign_off, at, at
            return Incident.from_row(row)

    def attach_alert(self, incident_id: str, fingerprint: str, at: datetime,
                     assets: Iterable[AffectedAsset] = ()) -> bool:
        """Link an alert, and add the hosts/devices it is about that the incident does not list yet;
        False when the alert was linked already."""
        with self._editing(incident_id, at) as (session, row, at):
            _refuse_if_closed(row)
            if any(link.fingerprint == fingerprint for link in row.alerts):
                return False
            row.alerts.append(AlertLinkRow(fingerprint=fingerprint, attached_at=at))
            listed = {asset.name for asset in row.assets}
            added = [asset for asset in assets if asset.name not in listed]
            row.assets.extend([AssetRow(position=position, name=a.name, asset_number=a.asset_number)
                               for position, a in enumerate(added, start=len(row.assets))])
            _record(session, row, ALERTING, at, TimelineKind.ALERT_ATTACHED, None, fingerprint,
                    ", ".join(asset.name for asset in added) or None)
            return True

    def find_for_alert(self, fingerprint: str, group_key: str | None) -> Incident | None:
        """The newest not-closed incident the alert is linked to or that has ``group_key`` (resolved counts:
        a recurrence may reopen it)."""
        linked = sa.select(AlertLinkRow.incident_id).where(AlertLinkRow.fingerprint == fingerprint)
        wanted = IncidentRow.id.in_(linked)
        if group_key is not None:
            wanted = sa.or_(wanted, IncidentRow.group_key == group_key)
        return self._newest_not_closed(wanted)

    def record_escalation(self, incident_id: str, level: int, notified: str, at: datetime) -> None:
        """Level ``level`` (0-based) of the response escalation told ``notified``."""
        with self._editing(incident_id, at) as (session, row, at):
            _refuse_if_closed(row)
            _record(session, row, ALERTING, at, TimelineKind.ESCALATED, None, str(level), notified)

    def set_breach_reason(self, incident_id: str, who: str, at: datetime, text: str,
                          entered_at: datetime | None = None) -> Incident:
        """Why the SLA was missed; a later reason replaces the shown one, the timeline keeps every one."""
        with self._editing(incident_id, at, entered_at) as (session, row, at):
            _refuse_if_closed(row)
            _record(session, row, who, at, TimelineKind.BREACH_REASON, row.breach_reason, None, text)
            row.breach_reason = text
            return Incident.from_row(row)

    def find_open_by_fingerprint(self, fingerprint: str) -> Incident | None:
        """The newest not-closed incident the alert is linked to (a resolved one counts: it may reopen)."""
        return self._newest_not_closed(
            IncidentRow.id.in_(sa.select(AlertLinkRow.incident_id).where(AlertLinkRow.fingerprint == fingerprint)))

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        with self._sessions() as session:
            _row(session, incident_id)
            rows = session.execute(_TIMELINE.where(TimelineRow.incident_id == incident_id).order_by(TimelineRow.seq))
            return [TimelineEntry(*row) for row in rows]

    def timelines(self, incident_ids: Iterable[str]) -> dict[str, list[TimelineEntry]]:
        """The timelines of many incidents at once (unknown ids are left out), each in order."""
        ids = list(dict.fromkeys(incident_ids))
        found: dict[str, list[TimelineEntry]] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start:start + _IDS_PER_QUERY]
                for row in session.execute(_TIMELINE.where(TimelineRow.incident_id.in_(chunk)).order_by(TimelineRow.seq)):
                    found.setdefault(row[0], []).append(TimelineEntry(*row))
        return found

    def _newest_not_closed(self, condition: sa.ColumnElement[bool]) -> Incident | None:
        query = (_with_links(sa.select(IncidentRow)).where(condition, IncidentRow.state != IncidentState.CLOSED)
                 .order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc()).limit(1))
        with self._sessions() as session:
            row = session.scalars(query).first()
            return None if row is None else Incident.from_row(row)

    @contextmanager
    def _editing(self, incident_id: str, at: datetime,
                 entered_at: datetime | None = None) -> Iterator[tuple[Session, IncidentRow, datetime]]:
        """The locked row and the change's effective time (``at``, checked against ``entered_at``)."""
        with self._sessions.begin() as session:
            row = _row(session, incident_id, for_update=True)
            if entered_at is not None:
                at = _not_in_future("at", at, entered_at)
                _refuse_before_previous_step(session, row, at)
            session.info["entered_at"] = entered_at or at
            yield session, row, at


def _with_links(query: sa.Select) -> sa.Select:
    """Load assets and alert links in one query each for all rows, not one per row."""
    return query.options(selectinload(IncidentRow.assets), selectinload(IncidentRow.alerts))


def _conditions(state: IncidentState | None, severity: Severity | None, category: Category | None,
                assignee: str | None, opened_between: tuple[datetime, datetime] | None,
                open_only: bool) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if open_only:
        conditions.append(IncidentRow.state.not_in(_FINISHED))
    for column, wanted in ((IncidentRow.state, state), (IncidentRow.severity, severity),
                           (IncidentRow.category, category), (IncidentRow.assignee, assignee)):
        if wanted is not None:
            conditions.append(column == wanted)
    if opened_between is not None:
        start, end = opened_between
        conditions += [IncidentRow.opened_at >= start, IncidentRow.opened_at < end]
    return conditions


def _incidents(session: Session, conditions: list[sa.ColumnElement[bool]], newest_first: bool,
               limit: int | None) -> list[Incident]:
    """The incidents matching ``conditions`` in opening order, read as plain rows rather than ORM objects (a
    monthly report reads thousands): their assets and alert links in one query each."""
    order = (IncidentRow.opened_at.desc(), IncidentRow.id.desc()) if newest_first else (IncidentRow.opened_at, IncidentRow.id)
    rows = session.execute(sa.select(IncidentRow.__table__).where(*conditions).order_by(*order).limit(limit)).all()
    chosen = sa.select(IncidentRow.id).where(*conditions).order_by(*order).limit(limit)
    assets: dict[str, list[AffectedAsset]] = {}
    for incident_id, name, asset_number in session.execute(
            sa.select(AssetRow.incident_id, AssetRow.name, AssetRow.asset_number)
            .where(AssetRow.incident_id.in_(chosen)).order_by(AssetRow.incident_id, AssetRow.position)):
        assets.setdefault(incident_id, []).append(AffectedAsset(name, asset_number))
    fingerprints: dict[str, list[str]] = {}
    for incident_id, fingerprint in session.execute(
            sa.select(AlertLinkRow.incident_id, AlertLinkRow.fingerprint)
            .where(AlertLinkRow.incident_id.in_(chosen)).order_by(AlertLinkRow.incident_id, AlertLinkRow.attached_at)):
        fingerprints.setdefault(incident_id, []).append(fingerprint)
    return [Incident(**row._mapping, assets=tuple(assets.get(row.id, ())), fingerprints=tuple(fingerprints.get(row.id, ())))
            for row in rows]


def _link(session: Session, new: IncidentRow, earlier: IncidentRow, who: str, at: datetime) -> None:
    _record(session, new, who, at, TimelineKind.LINKED, None, earlier.id, None)
    if earlier.state is not IncidentState.CLOSED:  # a closed record is final; the new one still names it
        _record(session, earlier, who, at, TimelineKind.LINKED, None, new.id, None)


def _refuse_if_closed(row: IncidentRow) -> None:
    if row.state is IncidentState.CLOSED:
        raise IncidentClosed(f"incident {row.id} is closed (signed off by {row.signed_off_by}); its record is final")


def _row(session: Session, incident_id: str, for_update: bool = False) -> IncidentRow:
    row = session.get(IncidentRow, incident_id, with_for_update=for_update)
    if row is None:
        raise NoSuchIncident(f"no incident {incident_id}")
    return row


def _next_id(session: Session, year: int) -> str:
    bumped = session.execute(sa.update(SequenceRow).where(SequenceRow.year == year)
                             .values(last_number=SequenceRow.last_number + 1))
    if bumped.rowcount == 0:
        session.add(SequenceRow(year=year, last_number=1))
        session.flush()
        number = 1
    else:
        number = session.scalar(sa.select(SequenceRow.last_number).where(SequenceRow.year == year))
    return f"INC-{year}-{number:06d}"


def _move(session: Session, row: IncidentRow, to_state: IncidentState, who: str, at: datetime,
          text: str | None) -> None:
    if to_state not in TRANSITIONS[row.state]:
        raise IllegalTransition(row.id, row.state, to_state)
    _record(session, row, who, at, TimelineKind.TRANSITION, row.state.value, to_state.value, text)
    row.state = to_state


def _record(session: Session, row: IncidentRow, who: str, at: datetime, kind: TimelineKind,
            from_value: str | None, to_value: str | None, text: str | None) -> None:
    """One timeline entry, typed in by ``who`` at the session's ``entered_at`` (see ``_editing``)."""
    session.add(TimelineRow(incident_id=row.id, at=at, who=who, kind=kind, from_value=from_value,
                            to_value=to_value, text=text, entered_at=session.info.get("entered_at", at), entered_by=who))


def _not_in_future(field: str, at: datetime, entered_at: datetime | None) -> datetime:
    """``at``, or ``entered_at`` when ``at`` is ahead of it by no more than MAX_CLOCK_SKEW."""
    if entered_at is None or at <= entered_at:
        return at
    if at - entered_at > MAX_CLOCK_SKEW:
        raise IncidentTimeError(field, f"{said_utc(at)} is in the future (now {said_utc(entered_at)})")
    return entered_at


def _refuse_before_previous_step(session: Session, row: IncidentRow, at: datetime) -> None:
    previous = session.scalar(sa.select(sa.func.max(TimelineRow.at)).where(
        TimelineRow.incident_id == row.id, TimelineRow.kind.in_(_LIFECYCLE_KINDS)))
    if previous is not None and at < previous:
        raise IncidentTimeError("at", f"{said_utc(at)} is before the incident's previous step at {said_utc(previous)}")


def _serialize_sqlite_writers(engine: sa.Engine) -> None:
    """Begin every SQLite transaction IMMEDIATE, so a read-then-write waits for the lock instead of failing."""

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # stop pysqlite's own BEGIN so the one below is the only one
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
