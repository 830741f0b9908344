"""IncidentStage: which alerts open incidents, attaching by fingerprint and by grouping labels, reopen vs link
on recurrence, muted alerts, notes on resolution and auto_resolve — on a real SQLite IncidentStore."""

from datetime import UTC, datetime, timedelta

import pytest
from itops.alerting.incidents.model import AffectedAsset, Category, IncidentState, Source, TimelineKind
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.config import DEFAULT_POLICY, IncidentPolicy
from itops.alerting.incidents.policy import IncidentStage
from itops.alerting.rules.model import Alert, AlertState, Severity

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
S = IncidentState


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def store(tmp_path):
    store = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.db'}")
    yield store
    store.dispose()


class Firing:
    """The fingerprints a test says are firing, as the evaluator would."""

    def __init__(self):
        self.now: set[str] = set()

    def __call__(self) -> set[str]:
        return set(self.now)


def make_stage(store, *policies: IncidentPolicy, language="zh-CN", firing=None) -> IncidentStage:
    return IncidentStage(store, policies or [DEFAULT_POLICY], language, firing or Firing())


def alert(name="HostFilesystemFull", severity="P2", state=AlertState.FIRING, muted_by=(), **labels) -> Alert:
    labels = {"alertname": name, "severity": severity, "host": "pc-1", "category": "base_software"} | labels
    where = labels["host"] or labels.get("device")
    return Alert(rule=name, labels={k: v for k, v in labels.items() if v is not None},
                 annotations={"summary": f"{name} on {where}", "summary_zh": f"{where} 的 {name}"},
                 severity=Severity(severity), state=state, muted_by=list(muted_by))


def resolved(firing_alert: Alert) -> Alert:
    return Alert(rule=firing_alert.rule, labels=dict(firing_alert.labels), annotations=dict(firing_alert.annotations),
                 severity=firing_alert.severity, state=AlertState.RESOLVED)


def resolve_by_hand(store, incident_id: str, at: datetime) -> None:
    store.acknowledge(incident_id, "zhang", at)
    store.transition(incident_id, S.IN_PROGRESS, "zhang", at)
    store.resolve(incident_id, "zhang", at, "c", "r")


def kinds(store, incident_id: str) -> list[TimelineKind]:
    return [entry.kind for entry in store.timeline(incident_id)]


def test_firing_alert_opens_an_incident_with_the_form_filled_in(store):
    fired = alert("UpsOnBattery", "P1", host=None, device="ups-1", asset_number="ZC-0042", category="environment")
    make_stage(store).ingest([fired], T0)
    [incident] = store.list()
    assert (incident.title, incident.severity, incident.category) == ("ups-1 的 UpsOnBattery", Severity.P1,
                                                                      Category.ENVIRONMENT)
    assert (incident.reporter, incident.source, incident.state, incident.opened_at) == ("alerting", Source.ALERT,
                                                                                        S.OPEN, T0)
    assert incident.assets == (AffectedAsset("ups-1", "ZC-0042"),)
    assert incident.fingerprints == (fired.fingerprint,) and incident.group_key


def test_title_follows_the_configured_language(store):
    make_stage(store, language="en").ingest([alert()], T0)
    assert store.list()[0].title == "HostFilesystemFull on pc-1"


def test_host_and_device_are_both_assets_and_the_asset_number_is_the_devices(store):
    make_stage(store).ingest([alert(device="printer-3", asset_number="ZC-7")], T0)
    assert store.list()[0].assets == (AffectedAsset("printer-3", "ZC-7"), AffectedAsset("pc-1", None))


def test_a_clock_is_the_asset_of_its_alerts_not_the_host_polling_it(store):
    make_stage(store).ingest([alert("AttendanceClockFast", "P3", host="vm", clock="main-entrance",
                                    asset_number="ZC-0042", category="application"),
                              alert("AttendanceClockCheck", "P3", host="vm", check="attendance_clock",
                                    target="side-door", category="application")], T0)
    assert [incident.assets for incident in store.list()] == [
        (AffectedAsset("main-entrance", "ZC-0042"), AffectedAsset("vm", None)),
        (AffectedAsset("side-door", None), AffectedAsset("vm", None))]


def test_a_service_is_not_an_asset_its_host_is(store):
    make_stage(store).ingest([alert("TcpServiceDown", check="tcp_connect", target="db:5432")], T0)
    assert store.list()[0].assets == (AffectedAsset("pc-1", None),)


def test_first_matching_policy_wins_and_no_match_opens_nothing(store):
    network = IncidentPolicy(name="network", matchers=['alertname=~"Switch.*"'], category="network")
    everything_p1 = IncidentPolicy(name="p1", matchers=['severity="P1"'], category="hardware")
    stage = make_stage(store, network, everything_p1)
    stage.ingest([alert("SwitchPortDown", "P1", host="sw-1"), alert("HostOffline", "P1", host="pc-9"),
                  alert("HostCpuHigh", "P3", host="pc-8")], T0)
    assert [(i.title, i.category) for i in store.list()] == [
        ("sw-1 的 SwitchPortDown", Category.NETWORK), ("pc-9 的 HostOffline", Category.HARDWARE)]


def test_default_policy_takes_p1_to_p3_and_leaves_p4(store):
    make_stage(store).ingest([alert("A", "P3"), alert("B", "P4")], T0)
    assert [i.title for i in store.list()] == ["pc-1 的 A"]


def test_category_from_label_falls_back_when_missing_or_unknown(store):
    make_stage(store).ingest([alert("A", category=None), alert("B", category="plumbing"),
                              alert("C", category="network")], T0)
    assert [i.category for i in store.list()] == [Category.BASE_SOFTWARE, Category.BASE_SOFTWARE, Category.NETWORK]


def test_same_alert_firing_again_attaches_once_and_notes_it(store):
    stage, fired = make_stage(store), alert()
    stage.ingest([fired], T0)
    stage.ingest([fired], minutes(5))
    [incident] = store.list()
    assert incident.fingerprints == (fired.fingerprint,)
    assert kinds(store, incident.id) == [TimelineKind.OPENED, TimelineKind.NOTE]


def test_alerts_with_the_same_grouping_labels_join_one_incident(store):
    stage = make_stage(store)
    first, second = alert(mountpoint="/"), alert(mountpoint="/var")
    other_host = alert(mountpoint="/", host="pc-2")
    stage.ingest([first, second, other_host], T0)
    incidents = store.list()
    assert [set(i.fingerprints) for i in incidents] == [{first.fingerprint, second.fingerprint},
                                                        {other_host.fingerprint}]
    assert kinds(store, incidents[0].id) == [TimelineKind.OPENED, TimelineKind.ALERT_ATTACHED]


def test_an_alert_joining_the_incident_adds_its_host_as_an_asset(store):
    by_alertname = IncidentPolicy(name="outage", group_by=["alertname"], category="network")
    stage = make_stage(store, by_alertname)
    stage.ingest([alert("SwitchDown", host="sw-1", asset_number="ZC-0101")], T0)
    stage.ingest([alert("SwitchDown", host="sw-2"), alert("SwitchDown", host="sw-1", port="7")], minutes(1))
    [incident] = store.list()
    assert incident.assets == (AffectedAsset("sw-1", "ZC-0101"), AffectedAsset("sw-2"))
    attached = [e.text for e in store.timeline(incident.id) if e.kind is TimelineKind.ALERT_ATTACHED]
    assert attached == ["sw-2", None]  # the second sw-1 alert adds no asset


def test_group_keys_differ_between_policies(store):
    mine = IncidentPolicy(name="mine", matchers=['host="pc-1"'])
    stage = make_stage(store, mine, DEFAULT_POLICY)
    stage.ingest([alert(), alert(host="pc-2")], T0)
    assert len({i.group_key for i in store.list()}) == 2


def test_a_more_severe_alert_raises_the_incidents_severity(store):
    stage = make_stage(store)
    stage.ingest([alert(severity="P3", mountpoint="/")], T0)
    stage.ingest([alert(severity="P2", mountpoint="/var")], minutes(1))
    stage.ingest([alert(severity="P3", mountpoint="/home")], minutes(2))
    [incident] = store.list()
    assert incident.severity is Severity.P2
    assert kinds(store, incident.id).count(TimelineKind.SEVERITY) == 1


def test_recurrence_within_the_window_reopens_the_resolved_incident(store):
    stage, fired = make_stage(store), alert()
    stage.ingest([fired], T0)
    incident_id = store.list()[0].id
    resolve_by_hand(store, incident_id, minutes(10))
    stage.ingest([fired], minutes(40))
    [incident] = store.list()
    assert (incident.id, incident.state, incident.resolved_at) == (incident_id, S.OPEN, None)
    reopen = store.timeline(incident_id)[-2]
    assert (reopen.who, reopen.from_value, reopen.to_value) == ("alerting", "resolved", "open")
    assert "30 分钟内复发" in reopen.text


def test_recurrence_within_the_window_with_link_opens_a_related_incident(store):
    stage, fired = make_stage(store, IncidentPolicy(name="linked", on_recurrence="link")), alert()
    stage.ingest([fired], T0)
    first = store.list()[0].id
    resolve_by_hand(store, first, minutes(10))
    stage.ingest([fired], minutes(40))
    earlier, later = store.list()
    assert (earlier.id, earlier.state) == (first, S.RESOLVED)
    assert (later.related_incident, later.state, later.fingerprints) == (first, S.OPEN, (fired.fingerprint,))
    assert kinds(store, later.id) == [TimelineKind.OPENED, TimelineKind.LINKED]


def test_recurrence_after_the_window_opens_an_unrelated_incident(store):
    stage, fired = make_stage(store), alert()
    stage.ingest([fired], T0)
    first = store.list()[0].id
    resolve_by_hand(store, first, minutes(10))
    stage.ingest([fired], minutes(10 + 61))
    earlier, later = store.list()
    assert (earlier.state, later.state, later.related_incident) == (S.RESOLVED, S.OPEN, None)
    stage.ingest([alert(mountpoint="/data")], minutes(80))  # the next one joins the newest incident
    assert len(store.get(later.id).fingerprints) == 2


def test_recurrence_after_closing_opens_a_new_incident(store):
    stage, fired = make_stage(store), alert()
    stage.ingest([fired], T0)
    first = store.list()[0].id
    resolve_by_hand(store, first, minutes(10))
    store.close(first, "zhang", minutes(11), "chen")
    stage.ingest([fired], minutes(12))
    assert [i.state for i in store.list()] == [S.CLOSED, S.OPEN]


def test_muted_alert_opens_nothing_unless_the_policy_says_so(store):
    muted = alert(muted_by=["maintenance db-backup"])
    make_stage(store).ingest([muted], T0)
    assert store.list() == []
    make_stage(store, IncidentPolicy(name="all", open_when_muted=True)).ingest([muted], T0)
    assert len(store.list()) == 1


def test_muted_alert_still_joins_an_open_incident_but_does_not_reopen(store):
    stage = make_stage(store)
    stage.ingest([alert(mountpoint="/")], T0)
    incident_id = store.list()[0].id
    stage.ingest([alert(mountpoint="/var", muted_by=["silence 1"])], minutes(1))
    assert len(store.get(incident_id).fingerprints) == 2
    resolve_by_hand(store, incident_id, minutes(2))
    stage.ingest([alert(mountpoint="/var", muted_by=["silence 1"])], minutes(3))
    assert [i.state for i in store.list()] == [S.RESOLVED]


def test_resolved_alert_adds_a_note_and_leaves_the_incident_open(store):
    stage, fired = make_stage(store, language="en"), alert()
    stage.ingest([fired], T0)
    stage.ingest([resolved(fired)], minutes(7))
    [incident] = store.list()
    assert incident.state is S.OPEN
    note = store.timeline(incident.id)[-1]
    assert (note.kind, note.at, note.text) == (TimelineKind.NOTE, minutes(7),
                                               "Alert resolved: HostFilesystemFull — HostFilesystemFull on pc-1")


def test_resolved_alert_of_an_unknown_or_finished_incident_is_ignored(store):
    stage, fired = make_stage(store), alert()
    stage.ingest([resolved(fired)], T0)
    assert store.list() == []
    stage.ingest([fired], T0)
    incident_id = store.list()[0].id
    resolve_by_hand(store, incident_id, minutes(1))
    entries = len(store.timeline(incident_id))
    stage.ingest([resolved(fired)], minutes(2))
    assert len(store.timeline(incident_id)) == entries


def test_auto_resolve_waits_for_every_attached_alert(store):
    firing = Firing()
    stage = make_stage(store, IncidentPolicy(name="auto", auto_resolve=True), firing=firing)
    root, var = alert(mountpoint="/"), alert(mountpoint="/var")
    firing.now = {root.fingerprint, var.fingerprint}
    stage.ingest([root, var], T0)
    incident_id = store.list()[0].id
    firing.now = {var.fingerprint}
    stage.ingest([resolved(root)], minutes(5))
    assert store.get(incident_id).state is S.OPEN
    firing.now = set()
    stage.ingest([resolved(var)], minutes(9))
    incident = store.get(incident_id)
    assert (incident.state, incident.resolved_at, incident.cause) == (S.RESOLVED, minutes(9), "告警自行恢复")
    moves = [(e.who, e.to_value) for e in store.timeline(incident_id) if e.kind is TimelineKind.TRANSITION]
    assert moves == [("alerting", "acknowledged"), ("alerting", "in_progress"), ("alerting", "resolved")]


def test_auto_resolve_keeps_a_human_acknowledgement(store):
    firing = Firing()
    stage, fired = make_stage(store, IncidentPolicy(name="auto", auto_resolve=True), firing=firing), alert()
    stage.ingest([fired], T0)
    incident_id = store.list()[0].id
    store.acknowledge(incident_id, "zhang", minutes(2))
    stage.ingest([resolved(fired)], minutes(9))
    incident = store.get(incident_id)
    assert (incident.state, incident.acknowledged_at) == (S.RESOLVED, minutes(2))


def test_pending_and_inactive_alerts_are_ignored(store):
    make_stage(store).ingest([alert(state=AlertState.PENDING), alert(state=AlertState.INACTIVE)], T0)
    assert store.list() == []


def test_one_failing_alert_does_not_stop_the_others(store, caplog):
    stage = make_stage(store)
    stage.store = _ExplodingOnce(store)
    stage.ingest([alert("B"), alert("C")], T0)
    assert [i.title for i in store.list()] == ["pc-1 的 C"]
    assert "not updated" in caplog.text


class _ExplodingOnce:
    """The real store, whose first lookup fails as a lost database connection would."""

    def __init__(self, store):
        self._store, self._failed = store, False

    def find_for_alert(self, fingerprint, group_key):
        if not self._failed:
            self._failed = True
            raise ConnectionError("database went away")
        return self._store.find_for_alert(fingerprint, group_key)

    def __getattr__(self, name):
        return getattr(self._store, name)
