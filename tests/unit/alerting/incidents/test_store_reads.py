"""The IncidentStore's bulk reads (``list``, ``timelines``), which a monthly report makes over thousands of
incidents as plain rows, give the same records as the one-incident reads (``get``, ``timeline``)."""

from __future__ import annotations

import pytest
from itops.alerting.incidents.model import AffectedAsset, IncidentState
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.rules.model import Severity

from tests.unit.alerting.incidents.test_store import minutes, new_incident

S = IncidentState


@pytest.fixture
def store(tmp_path):
    opened = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.db'}")
    yield opened
    opened.dispose()


def busy_store(store) -> list[str]:
    """Three incidents: one with two assets and alerts attached over time, moved along and noted; one bare;
    one closed."""
    linked = new_incident(store, minutes(0), assets=[AffectedAsset("sw-core-2", "ZC-2"), AffectedAsset("sw-core-1")],
                          fingerprints=["fp-b"]).id
    store.attach_alert(linked, "fp-a", minutes(3))
    store.acknowledge(linked, "li", minutes(4))
    store.add_note(linked, "li", minutes(5), "光模块告警")
    store.change_severity(linked, Severity.P1, "li", minutes(6), "影响全楼")
    bare = new_incident(store, minutes(1), assets=[], fingerprints=[]).id
    closed = new_incident(store, minutes(2)).id
    store.acknowledge(closed, "li", minutes(7))
    store.transition(closed, S.IN_PROGRESS, "li", minutes(8))
    store.resolve(closed, "li", minutes(9), "配置错误", "回滚配置")
    store.close(closed, "wang", minutes(10), "wang")
    return [linked, bare, closed]


def test_list_gives_what_get_gives(store):
    ids = busy_store(store)
    listed = store.list()
    assert [incident.id for incident in listed] == ids  # oldest first
    assert listed == [store.get(incident_id) for incident_id in ids]
    first = listed[0]
    assert first.assets == (AffectedAsset("sw-core-2", "ZC-2"), AffectedAsset("sw-core-1"))  # in the order given
    assert first.fingerprints == ("fp-b", "fp-a")  # in the order attached
    assert (listed[1].assets, listed[1].fingerprints) == ((), ())


def test_filtered_list_carries_only_its_incidents_links(store):
    linked, bare, closed = busy_store(store)
    assert store.list(open_only=True) == [store.get(linked), store.get(bare)]
    assert store.list(opened_between=(minutes(0), minutes(1))) == [store.get(linked)]
    assert store.list(state=S.CLOSED, severity=Severity.P2) == [store.get(closed)]


def test_timelines_give_what_timeline_gives(store):
    ids = busy_store(store)
    found = store.timelines([*reversed(ids), "INC-2099-000001"])
    assert found == {incident_id: store.timeline(incident_id) for incident_id in ids}
    assert [entry.at for entry in found[ids[0]]] == sorted(entry.at for entry in found[ids[0]])
