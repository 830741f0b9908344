"""IncidentStore behaviour on SQLite. tests/integration/test_incident_store_postgres.py runs these same tests
on PostgreSQL by overriding the ``store_url`` fixture."""

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from itops.alerting.incidents import migrations
from itops.alerting.incidents.model import AffectedAsset, Category, IncidentState, Source, TimelineKind
from itops.alerting.incidents.store import IllegalTransition, IncidentClosed, IncidentError, IncidentStore, NoSuchIncident
from itops.alerting.incidents.model import Base
from itops.alerting.incidents.store import MAX_CLOCK_SKEW, IncidentTimeError
from itops.alerting.rules.model import Severity

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
S = IncidentState


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.db'}"


@pytest.fixture
def open_store(store_url):
    stores = []

    def open_one() -> IncidentStore:
        stores.append(IncidentStore.open(store_url))
        return stores[-1]

    yield open_one
    for store in stores:
        store.dispose()


@pytest.fixture
def store(open_store) -> IncidentStore:
    return open_store()


def new_incident(store: IncidentStore, at: datetime = T0, **overrides):
    fields = {"title": "核心交换机 down", "severity": Severity.P2, "category": Category.NETWORK, "reporter": "wang",
              "at": at}
    return store.open_incident(**(fields | overrides))


def timeline_rows(store: IncidentStore, incident_id: str) -> list[tuple]:
    return [(e.at, e.who, e.kind, e.from_value, e.to_value, e.text) for e in store.timeline(incident_id)]


def test_opened_incident_keeps_every_field_of_the_form(store):
    incident = store.open_incident(
        title="UPS 告警", severity=Severity.P1, category=Category.ENVIRONMENT, reporter="li", at=T0,
        source=Source.ALERT, assets=[AffectedAsset("ups-1", "ZC-2019-0042"), AffectedAsset("pdu-3")],
        assignee="zhang", fingerprints=["fp1", "fp2", "fp1"], vendor_ticket="APC-77",
    )
    assert incident == store.get("INC-2026-000001")
    assert (incident.id, incident.title, incident.severity, incident.category, incident.reporter) == (
        "INC-2026-000001", "UPS 告警", Severity.P1, Category.ENVIRONMENT, "li")
    assert incident.assets == (AffectedAsset("ups-1", "ZC-2019-0042"), AffectedAsset("pdu-3", None))
    assert (incident.assignee, incident.state, incident.source, incident.vendor_ticket) == (
        "zhang", S.OPEN, Source.ALERT, "APC-77")
    assert (incident.fingerprints, incident.opened_at, incident.acknowledged_at) == (("fp1", "fp2"), T0, None)


def test_ids_are_sequential_within_a_year_and_restart_the_next(store):
    ids = [new_incident(store, at).id for at in (T0, minutes(1), datetime(2027, 2, 1, tzinfo=UTC), minutes(2))]
    assert ids == ["INC-2026-000001", "INC-2026-000002", "INC-2027-000001", "INC-2026-000003"]


def test_id_year_is_the_calendar_year_in_shanghai(store):
    new_year_in_shanghai = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert new_incident(store, new_year_in_shanghai).id == "INC-2027-000001"


def test_two_sessions_opening_at_once_get_distinct_ids(open_store):
    stores = [open_store(), open_store()]
    start = threading.Barrier(2)
    ids: list[str] = []

    def open_five(store: IncidentStore) -> None:
        start.wait()
        ids.extend(new_incident(store).id for _ in range(5))

    threads = [threading.Thread(target=open_five, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(ids) == [f"INC-2026-{n:06d}" for n in range(1, 11)]


def test_lifecycle_through_in_progress_to_closed(store):
    incident_id = new_incident(store).id
    assert store.acknowledge(incident_id, "zhang", minutes(3)).acknowledged_at == minutes(3)
    assert store.transition(incident_id, S.IN_PROGRESS, "zhang", minutes(4)).state is S.IN_PROGRESS
    resolved = store.resolve(incident_id, "zhang", minutes(30), "光模块故障", "更换光模块")
    assert (resolved.state, resolved.cause, resolved.resolution, resolved.resolved_at) == (
        S.RESOLVED, "光模块故障", "更换光模块", minutes(30))
    closed = store.close(incident_id, "zhang", minutes(60), sign_off="manager chen")
    assert (closed.state, closed.signed_off_by, closed.signed_off_at, closed.closed_at) == (
        S.CLOSED, "manager chen", minutes(60), minutes(60))


def test_lifecycle_through_waiting_for_vendor_records_the_vendor_ticket(store):
    incident_id = new_incident(store, category=Category.HARDWARE).id
    store.acknowledge(incident_id, "zhang", minutes(1))
    waiting = store.transition(incident_id, S.WAITING_FOR_VENDOR, "zhang", minutes(2), note="报修", vendor_ticket="DELL-9")
    assert (waiting.state, waiting.vendor_ticket) == (S.WAITING_FOR_VENDOR, "DELL-9")
    assert store.transition(incident_id, S.IN_PROGRESS, "zhang", minutes(90)).state is S.IN_PROGRESS
    assert store.resolve(incident_id, "zhang", minutes(95), "硬盘损坏", "厂商换盘").state is S.RESOLVED
    assert timeline_rows(store, incident_id)[3] == (minutes(2), "zhang", TimelineKind.VENDOR_TICKET, None, "DELL-9", None)


def test_illegal_transition_names_both_states(store):
    incident_id = new_incident(store).id
    with pytest.raises(IllegalTransition, match=r"^incident INC-2026-000001: cannot go from open to resolved "
                                                r"\(allowed: acknowledged\)$"):
        store.resolve(incident_id, "zhang", minutes(1), "c", "r")
    with pytest.raises(IllegalTransition, match="cannot go from open to in_progress"):
        store.transition(incident_id, S.IN_PROGRESS, "zhang", minutes(1))
    assert store.get(incident_id).state is S.OPEN
    assert len(store.timeline(incident_id)) == 1


def test_closed_incident_is_final(store):
    incident_id = new_incident(store).id
    store.acknowledge(incident_id, "zhang", minutes(1))
    store.transition(incident_id, S.IN_PROGRESS, "zhang", minutes(2))
    store.resolve(incident_id, "zhang", minutes(3), "c", "r")
    store.close(incident_id, "zhang", minutes(4), "chen")
    with pytest.raises(IllegalTransition, match=r"cannot go from closed to open \(allowed: none, it is final\)"):
        store.transition(incident_id, S.OPEN, "zhang", minutes(5))
    entries_at_close = len(store.timeline(incident_id))
    for change in (lambda: store.assign(incident_id, "li", "zhang", minutes(6)),
                   lambda: store.change_severity(incident_id, Severity.P1, "zhang", minutes(6), "late"),
                   lambda: store.add_note(incident_id, "zhang", minutes(6), "after the fact"),
                   lambda: store.attach_alert(incident_id, "fp-new", minutes(6))):
        with pytest.raises(IncidentClosed, match=r"is closed \(signed off by chen\); its record is final"):
            change()
    assert len(store.timeline(incident_id)) == entries_at_close


def test_transition_sends_acknowledge_resolve_and_close_to_their_own_methods(store):
    incident_id = new_incident(store).id
    with pytest.raises(IncidentError, match=r"^use acknowledge\(\) to move an incident to acknowledged$"):
        store.transition(incident_id, S.ACKNOWLEDGED, "zhang", minutes(1))
    with pytest.raises(IncidentError, match=r"^use close\(\) to move an incident to closed$"):
        store.transition(incident_id, S.CLOSED, "zhang", minutes(1))


def resolved_incident(store: IncidentStore) -> str:
    incident_id = new_incident(store).id
    store.acknowledge(incident_id, "zhang", minutes(1))
    store.transition(incident_id, S.IN_PROGRESS, "zhang", minutes(2))
    store.resolve(incident_id, "zhang", minutes(3), "c", "r")
    return incident_id


def test_reopen_to_open_clears_resolved_at_and_keeps_the_first_acknowledgement(store):
    incident_id = resolved_incident(store)
    reopened = store.transition(incident_id, S.OPEN, "li", minutes(10), note="又断了")
    assert (reopened.state, reopened.resolved_at) == (S.OPEN, None)
    assert store.acknowledge(incident_id, "zhang", minutes(11)).acknowledged_at == minutes(1)


def test_reopen_to_in_progress_then_resolve_again(store):
    incident_id = resolved_incident(store)
    assert store.transition(incident_id, S.IN_PROGRESS, "li", minutes(10)).state is S.IN_PROGRESS
    again = store.resolve(incident_id, "li", minutes(20), "c2", "r2")
    assert (again.resolved_at, again.cause, again.resolution) == (minutes(20), "c2", "r2")


def test_every_change_appends_a_timeline_entry(store):
    incident_id = new_incident(store).id
    store.acknowledge(incident_id, "zhang", minutes(1))
    store.assign(incident_id, "li", "zhang", minutes(2))
    store.change_severity(incident_id, Severity.P1, "li", minutes(3), "影响全楼")
    store.add_note(incident_id, "li", minutes(4), "已到机房")
    store.attach_alert(incident_id, "fp9", minutes(5))
    store.transition(incident_id, S.IN_PROGRESS, "li", minutes(6))
    store.resolve(incident_id, "li", minutes(7), "cause", "fix")
    store.close(incident_id, "li", minutes(8), "chen")
    K = TimelineKind
    assert timeline_rows(store, incident_id) == [
        (T0, "wang", K.OPENED, None, "open", "核心交换机 down"),
        (minutes(1), "zhang", K.TRANSITION, "open", "acknowledged", None),
        (minutes(2), "zhang", K.ASSIGNED, None, "li", None),
        (minutes(3), "li", K.SEVERITY, "P2", "P1", "影响全楼"),
        (minutes(4), "li", K.NOTE, None, None, "已到机房"),
        (minutes(5), "alerting", K.ALERT_ATTACHED, None, "fp9", None),
        (minutes(6), "li", K.TRANSITION, "acknowledged", "in_progress", None),
        (minutes(7), "li", K.TRANSITION, "in_progress", "resolved", "cause\nfix"),
        (minutes(8), "li", K.TRANSITION, "resolved", "closed", "signed off by chen"),
    ]
    assert {e.incident_id for e in store.timeline(incident_id)} == {incident_id}


def test_the_store_offers_no_way_to_edit_or_delete_timeline_entries(store):
    public = {name for name in dir(IncidentStore) if not name.startswith("_")}
    assert public == {
        "open", "dispose", "open_incident", "get", "list", "acknowledge", "transition", "assign", "change_severity",
        "add_note", "resolve", "close", "attach_alert", "find_open_by_fingerprint", "timeline",
        "find_for_alert", "timelines", "record_escalation", "set_breach_reason", "count",
    }
    incident_id = new_incident(store).id
    entry = store.timeline(incident_id)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.text = "rewritten"  # type: ignore[misc]
    assert store.timeline(incident_id)[0].text == "核心交换机 down"


def test_list_filters_combine(store):
    a = new_incident(store, minutes(0), severity=Severity.P1, assignee="li").id
    b = new_incident(store, minutes(10), category=Category.APPLICATION, assignee="li").id
    c = new_incident(store, minutes(20), severity=Severity.P1, category=Category.APPLICATION).id
    store.acknowledge(b, "li", minutes(11))

    def ids(**filters) -> list[str]:
        return [incident.id for incident in store.list(**filters)]

    assert ids() == [a, b, c]
    assert ids(state=S.OPEN) == [a, c]
    assert ids(severity=Severity.P1) == [a, c]
    assert ids(category=Category.APPLICATION) == [b, c]
    assert ids(assignee="li") == [a, b]
    assert ids(opened_between=(minutes(10), minutes(20))) == [b]
    assert ids(severity=Severity.P1, category=Category.APPLICATION, state=S.OPEN) == [c]


def test_attach_alert_links_once_and_is_found_by_fingerprint(store):
    incident_id = new_incident(store).id
    assert store.attach_alert(incident_id, "fp1", minutes(1)) is True
    assert store.attach_alert(incident_id, "fp1", minutes(2)) is False
    assert store.get(incident_id).fingerprints == ("fp1",)
    assert store.find_open_by_fingerprint("fp1").id == incident_id
    assert store.find_open_by_fingerprint("fp-other") is None
    assert len(store.timeline(incident_id)) == 2


def test_find_open_by_fingerprint_skips_closed_incidents(store):
    old = resolved_incident(store)
    store.attach_alert(old, "fp1", minutes(4))
    store.close(old, "zhang", minutes(5), "chen")
    assert store.find_open_by_fingerprint("fp1") is None
    newer = new_incident(store, minutes(6), fingerprints=["fp1"]).id
    assert store.find_open_by_fingerprint("fp1").id == newer


def test_unknown_incident_raises_no_such_incident(store):
    with pytest.raises(NoSuchIncident, match="^no incident INC-2026-000404$"):
        store.get("INC-2026-000404")
    with pytest.raises(NoSuchIncident):
        store.timeline("INC-2026-000404")


def test_naive_times_are_refused(store):
    with pytest.raises(sa.exc.StatementError, match="naive datetime 2026-03-02T01:00:00"):
        new_incident(store, datetime(2026, 3, 2, 1, 0))


def test_times_come_back_in_utc_whatever_zone_went_in(store):
    beijing = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert new_incident(store, beijing).opened_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_category_has_chinese_and_english_names():
    assert [(c.value, c.name_zh, c.name_en) for c in Category] == [
        ("environment", "机房环境", "Server-room environment"),
        ("hardware", "硬件", "Hardware"),
        ("network", "网络", "Network"),
        ("base_software", "基础软件", "Base software"),
        ("application", "应用", "Application"),
    ]


def test_reopening_the_store_keeps_records_and_migrates_nothing_twice(store_url, open_store):
    incident_id = new_incident(open_store()).id
    again = open_store()
    assert again.get(incident_id).title == "核心交换机 down"
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        assert migrations.current_version(connection) == len(migrations.STEPS) == 3
    engine.dispose()


def test_migrated_schema_has_every_column_the_model_maps(store_url, store):
    engine = sa.create_engine(store_url)
    inspector = sa.inspect(engine)
    for table in Base.metadata.sorted_tables:
        migrated = {column["name"]: column["nullable"] for column in inspector.get_columns(table.name)}
        assert migrated == {column.name: column.nullable for column in table.columns}, table.name
    engine.dispose()


def test_list_newest_first_up_to_a_limit_with_assets_and_count(store):
    opened = [new_incident(store, minutes(n), assets=[AffectedAsset(f"sw-{n}")], fingerprints=[f"fp-{n}"]).id
              for n in range(5)]
    store.acknowledge(opened[3], "li", minutes(6))
    newest = store.list(newest_first=True, limit=2)
    assert [(i.id, i.assets, i.fingerprints) for i in newest] == [
        (opened[4], (AffectedAsset("sw-4"),), ("fp-4",)), (opened[3], (AffectedAsset("sw-3"),), ("fp-3",))]
    assert [i.id for i in store.list(state=S.OPEN, newest_first=True, limit=3)] == [opened[4], opened[2], opened[1]]
    assert [i.id for i in store.list(limit=2)] == opened[:2]
    assert (store.count(), store.count(state=S.OPEN), store.count(severity=Severity.P1)) == (5, 4, 0)


def test_list_open_only_leaves_out_resolved_and_closed(store):
    resolved = resolved_incident(store)
    closed = resolved_incident(store)
    store.close(closed, "zhang", minutes(5), "chen")
    waiting = new_incident(store, minutes(6)).id
    store.acknowledge(waiting, "zhang", minutes(7))
    store.transition(waiting, S.WAITING_FOR_VENDOR, "zhang", minutes(8))
    fresh = new_incident(store, minutes(9)).id
    assert [i.id for i in store.list(open_only=True)] == [waiting, fresh]
    assert {i.id for i in store.list()} == {resolved, closed, waiting, fresh}


def test_find_for_alert_by_fingerprint_or_group_key_newest_not_closed(store):
    by_group = new_incident(store, minutes(0), group_key="HostDown|pc-1").id
    by_fingerprint = new_incident(store, minutes(1), fingerprints=["fp1"]).id
    assert store.find_for_alert("fp-other", "HostDown|pc-1").id == by_group
    assert store.find_for_alert("fp1", "no-such-group").id == by_fingerprint
    assert store.find_for_alert("fp1", "HostDown|pc-1").id == by_fingerprint  # the newer of the two
    assert store.find_for_alert("fp1", None).id == by_fingerprint
    assert store.find_for_alert("fp-other", None) is None
    assert store.get(by_group).group_key == "HostDown|pc-1"


def test_find_for_alert_skips_closed_and_finds_resolved(store):
    incident_id = resolved_incident(store)
    store.attach_alert(incident_id, "fp1", minutes(4))
    assert store.find_for_alert("fp1", None).state is S.RESOLVED
    store.close(incident_id, "zhang", minutes(5), "chen")
    assert store.find_for_alert("fp1", None) is None


def test_related_incident_is_linked_on_both_timelines(store):
    earlier = resolved_incident(store)
    later = new_incident(store, minutes(10), related_incident=earlier, reporter="alerting")
    assert later.related_incident == earlier
    assert timeline_rows(store, later.id)[-1] == (minutes(10), "alerting", TimelineKind.LINKED, None, earlier, None)
    assert timeline_rows(store, earlier)[-1] == (minutes(10), "alerting", TimelineKind.LINKED, None, later.id, None)


def test_linking_to_a_closed_incident_leaves_its_record_untouched(store):
    earlier = resolved_incident(store)
    store.close(earlier, "zhang", minutes(4), "chen")
    entries = len(store.timeline(earlier))
    later = new_incident(store, minutes(10), related_incident=earlier)
    assert later.related_incident == earlier and len(store.timeline(earlier)) == entries


def test_linking_to_an_unknown_incident_opens_nothing(store):
    with pytest.raises(NoSuchIncident):
        new_incident(store, related_incident="INC-2026-000404")
    assert store.list() == []


def test_timelines_of_many_incidents_in_one_call(store):
    ids = [new_incident(store, minutes(n)).id for n in range(1200)]  # more ids than one query carries
    store.add_note(ids[0], "li", minutes(2000), "first")
    store.add_note(ids[-1], "li", minutes(2001), "last")
    timelines = store.timelines([*ids, "INC-2026-999999"])
    assert set(timelines) == set(ids)
    assert [e.kind for e in timelines[ids[0]]] == [TimelineKind.OPENED, TimelineKind.NOTE]
    assert timelines[ids[-1]] == store.timeline(ids[-1])
    assert all(len(timelines[i]) == 1 for i in ids[1:-1])


def test_record_escalation_appends_level_and_who_was_told(store):
    incident_id = new_incident(store).id
    store.record_escalation(incident_id, 0, "wang", minutes(1))
    store.record_escalation(incident_id, 2, "li", minutes(9))
    assert timeline_rows(store, incident_id)[1:] == [
        (minutes(1), "alerting", TimelineKind.ESCALATED, None, "0", "wang"),
        (minutes(9), "alerting", TimelineKind.ESCALATED, None, "2", "li"),
    ]


def test_breach_reason_is_kept_on_the_incident_and_every_version_on_the_timeline(store):
    incident_id = new_incident(store).id
    assert store.set_breach_reason(incident_id, "zhang", minutes(1), "夜间无人值守").breach_reason == "夜间无人值守"
    assert store.set_breach_reason(incident_id, "chen", minutes(2), "备件等待").breach_reason == "备件等待"
    assert store.get(incident_id).breach_reason == "备件等待"
    assert timeline_rows(store, incident_id)[1:] == [
        (minutes(1), "zhang", TimelineKind.BREACH_REASON, None, None, "夜间无人值守"),
        (minutes(2), "chen", TimelineKind.BREACH_REASON, "夜间无人值守", None, "备件等待"),
    ]


def test_a_version_1_database_is_upgraded_keeping_its_incidents(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # the schema as step 1 left it, with one incident in it
        migrations.STEPS[0][1](connection)
        sa.Table("incident_schema_version", sa.MetaData(), sa.Column("version", sa.Integer)).create(connection)
        connection.execute(sa.text("INSERT INTO incident_schema_version (version) VALUES (1)"))
        connection.execute(sa.text(
            "INSERT INTO incidents (id, title, severity, category, reporter, state, opened_at, source) "
            "VALUES ('INC-2026-000001', 'old', 'P3', 'network', 'wang', 'open', '2026-03-02 01:00:00', 'manual')"))
    engine.dispose()
    store = IncidentStore.open(store_url)
    old = store.get("INC-2026-000001")
    assert (old.title, old.group_key, old.related_incident, old.breach_reason) == ("old", None, None, None)
    store.record_escalation(old.id, 1, "li", minutes(1))
    assert store.find_for_alert("fp", None) is None
    store.dispose()


def test_resolve_straight_from_acknowledged(store):
    incident_id = new_incident(store).id
    store.acknowledge(incident_id, "zhang", minutes(5))
    resolved = store.resolve(incident_id, "zhang", minutes(30), "fan", "fan replaced")
    assert (resolved.state, resolved.resolved_at) == (S.RESOLVED, minutes(30))


def test_a_step_entered_afterwards_keeps_when_it_happened_and_who_entered_it_when(store):
    incident_id = new_incident(store, at=T0, entered_at=minutes(300), occurred_at=minutes(-20)).id
    store.acknowledge(incident_id, "zhao", minutes(12), entered_at=minutes(301))
    incident = store.get(incident_id)
    assert (incident.opened_at, incident.occurred_at, incident.acknowledged_at) == (T0, minutes(-20), minutes(12))
    assert [(e.kind, e.at, e.who, e.entered_at, e.entered_by) for e in store.timeline(incident_id)] == [
        (TimelineKind.OPENED, T0, "wang", minutes(300), "wang"),
        (TimelineKind.TRANSITION, minutes(12), "zhao", minutes(301), "zhao")]


def test_a_step_entered_as_it_happens_is_entered_at_its_time(store):
    incident_id = new_incident(store).id
    store.add_note(incident_id, "zhao", minutes(3), "called the vendor")
    assert [(e.at, e.entered_at) for e in store.timeline(incident_id)] == [(T0, T0), (minutes(3), minutes(3))]


def test_a_step_before_the_previous_one_is_refused(store):
    incident_id = new_incident(store).id
    store.acknowledge(incident_id, "zhao", minutes(10), entered_at=minutes(60))
    with pytest.raises(IncidentTimeError, match=r"^at: 2026-03-02T01:09:00Z is before the incident's previous "
                                                r"step at 2026-03-02T01:10:00Z$"):
        store.add_note(incident_id, "zhao", minutes(9), "too early", entered_at=minutes(60))
    store.add_note(incident_id, "zhao", minutes(10), "as early as the last step", entered_at=minutes(60))
    assert len(store.timeline(incident_id)) == 3


def test_a_step_in_the_future_is_refused_beyond_the_clock_skew_and_taken_as_now_within_it(store):
    incident_id = new_incident(store).id
    now = minutes(60)
    with pytest.raises(IncidentTimeError, match="^at: .* is in the future"):
        store.acknowledge(incident_id, "zhao", now + MAX_CLOCK_SKEW + timedelta(seconds=1), entered_at=now)
    acknowledged = store.acknowledge(incident_id, "zhao", now + MAX_CLOCK_SKEW, entered_at=now)
    assert acknowledged.acknowledged_at == now


def test_reported_time_not_in_the_future_and_occurred_time_not_after_it(store):
    with pytest.raises(IncidentTimeError, match="^reported_at: .* is in the future"):
        new_incident(store, at=minutes(10), entered_at=T0)
    with pytest.raises(IncidentTimeError, match="^occurred_at: .* is after the reported time"):
        new_incident(store, at=T0, occurred_at=minutes(1), entered_at=minutes(5))
    assert store.list() == []


def test_resolving_while_its_alert_fires_is_on_the_timeline(store):
    incident_id = new_incident(store, fingerprints=["fp-1"]).id
    store.acknowledge(incident_id, "zhao", minutes(1))
    store.resolve(incident_id, "zhao", minutes(2), "c", "r", still_firing=["fp-1"])
    last = store.timeline(incident_id)[-1]
    assert (last.kind, last.at, last.text) == (TimelineKind.RESOLVED_WHILE_FIRING, minutes(2), "fp-1")


def test_step_3_adds_the_entered_times_and_keeps_older_entries(store_url, open_store, monkeypatch):
    monkeypatch.setattr(migrations, "STEPS", migrations.STEPS[:2])
    version_2 = IncidentStore.open(store_url)
    with version_2._engine.begin() as connection:  # a row as a step-2 collector wrote it
        connection.execute(sa.text("INSERT INTO incidents (id, title, severity, category, reporter, state, opened_at, source) "
                                   "VALUES ('INC-2026-000001', 'old', 'P3', 'network', 'wang', 'open', :at, 'manual')"),
                           {"at": T0.replace(tzinfo=None)})
        connection.execute(sa.text("INSERT INTO incident_timeline (incident_id, at, who, kind, to_value, text) "
                                   "VALUES ('INC-2026-000001', :at, 'wang', 'opened', 'open', 'old')"),
                           {"at": T0.replace(tzinfo=None)})
    version_2.dispose()
    monkeypatch.undo()
    store = open_store()
    [entry] = store.timeline("INC-2026-000001")
    assert (entry.at, entry.entered_at, entry.entered_by) == (T0, None, None)
    assert store.get("INC-2026-000001").occurred_at is None
    store.acknowledge("INC-2026-000001", "zhao", minutes(5), entered_at=minutes(6))
    assert store.timeline("INC-2026-000001")[-1].entered_at == minutes(6)
