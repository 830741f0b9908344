from datetime import UTC, datetime

import pytest
from itops.alerting.muting.dependencies import load_dependencies_text
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.alerting.muting.matchers import MuteStage
from itops.common.yaml_config import ConfigError

NOW = datetime(2024, 6, 1, tzinfo=UTC)
CONFIG = """
parents:
  pc-101: [switch-3f]
  printer-3f: [switch-3f]
  switch-3f: [core-switch, ups-2]
down_alerts:
  ups-2: [UpsOnBattery]
"""


def alert(alertname: str, state: AlertState = AlertState.FIRING, **labels: str) -> Alert:
    return Alert(alertname, {"alertname": alertname, **labels}, {}, Severity.P2, state)


def test_child_alert_is_suppressed_while_parent_is_down():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("HostOffline", host="switch-3f")])
    assert muter.mutes(alert("HostOffline", host="pc-101"), NOW) == "suppressed: parent switch-3f is down"
    assert muter.mutes(alert("TonerLow", device="printer-3f"), NOW) == "suppressed: parent switch-3f is down"


def test_parent_own_down_alert_is_not_suppressed():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("HostOffline", host="switch-3f")])
    assert muter.mutes(alert("HostOffline", host="switch-3f"), NOW) is None


def test_grandparent_down_suppresses_grandchildren():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("DeviceOffline", device="core-switch")])
    assert muter.mutes(alert("HostOffline", host="pc-101"), NOW) == "suppressed: parent core-switch is down"


def test_nearest_down_parent_is_named():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("DeviceOffline", device="core-switch"), alert("HostOffline", host="switch-3f")])
    assert muter.mutes(alert("HostOffline", host="pc-101"), NOW) == "suppressed: parent switch-3f is down"


def test_designated_alert_marks_its_parent_down():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("UpsOnBattery", device="ups-2")])
    assert muter.mutes(alert("HostOffline", host="switch-3f"), NOW) == "suppressed: parent ups-2 is down"
    muter.observe([alert("UpsOnBattery", device="core-switch")])  # designated for ups-2 only
    assert not muter.is_down("core-switch")


def test_resolved_parent_alert_lifts_suppression():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("HostOffline", host="switch-3f")])
    muter.observe([alert("HostOffline", AlertState.RESOLVED, host="switch-3f")])
    assert muter.mutes(alert("HostOffline", host="pc-101"), NOW) is None


def test_other_alerts_of_a_parent_do_not_mean_down():
    muter = load_dependencies_text(CONFIG)
    muter.observe([alert("HighCpu", host="switch-3f")])
    assert muter.mutes(alert("HostOffline", host="pc-101"), NOW) is None


def test_parent_and_child_down_in_one_batch_notifies_only_the_parent():
    muter = load_dependencies_text(CONFIG)
    batch = [alert("HostOffline", host="pc-101"), alert("HostOffline", host="switch-3f")]
    muter.observe(batch)
    assert MuteStage([muter]).apply(batch, NOW) == [batch[1]]
    assert batch[0].muted_by == ["suppressed: parent switch-3f is down"]


def test_dependency_cycle_is_refused_with_its_path():
    with pytest.raises(ConfigError, match="parents.a: dependencies go round in a circle: a → b → c → a"):
        load_dependencies_text("parents:\n  a: [b]\n  b: [c]\n  c: [a]\n")


def test_entity_behind_itself_is_refused():
    with pytest.raises(ConfigError, match=r"<dependencies>:2: parents.a: a cannot sit behind itself"):
        load_dependencies_text("parents:\n  a: [a]\n")



def test_an_alert_is_about_the_device_or_clock_not_the_host_polling_it():
    muter = load_dependencies_text(CONFIG.replace("parents:\n", "parents:\n  front-door: [switch-3f]\n"))
    muter.observe([alert("UpsOnBattery", host="pc-101", device="ups-2")])
    assert muter.is_down("ups-2") and not muter.is_down("pc-101")
    assert muter.mutes(alert("AttendanceClockFast", host="core-switch", clock="front-door"), NOW) \
        == "suppressed: parent ups-2 is down"


def test_configured_entity_labels_keep_their_order():
    muter = load_dependencies_text(CONFIG + "entity_labels: [host, device]\n")
    muter.observe([alert("HostOffline", host="switch-3f"), alert("UpsOnBattery", host="pc-101", device="ups-2")])
    assert not muter.is_down("ups-2")
    assert muter.mutes(alert("TonerLow", host="core-switch", device="printer-3f"), NOW) is None
    default = load_dependencies_text(CONFIG)
    default.observe([alert("HostOffline", host="switch-3f")])
    assert default.mutes(alert("TonerLow", host="core-switch", device="printer-3f"), NOW) \
        == "suppressed: parent switch-3f is down"


def test_an_empty_entity_label_list_is_refused():
    with pytest.raises(ConfigError, match="entity_labels: name at least one label"):
        load_dependencies_text("entity_labels: []\n")
