from datetime import UTC, datetime

import pytest
from itops.alerting.muting.maintenance import MaintenanceConfig, MaintenanceWindowConfig
from itops.alerting.muting.maintenance_store import (
    ConfiguredWindowError,
    MaintenanceStore,
    NoSuchWindowError,
    parse_window,
)
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.common.yaml_config import FieldProblem

NOW = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)  # Saturday 16:00 in Shanghai
SATURDAY_NIGHT = {"name": "patch night", "matchers": ['host=~"srv-.*"'], "weekdays": ["sat"], "time_range": "22:00-02:00"}
CONFIGURED = MaintenanceConfig(windows=[MaintenanceWindowConfig("db backup", ['host="db-1"'], cron="0 3 * * *", duration=3600)])


def alert(**labels: str) -> Alert:
    return Alert("high_cpu", {"alertname": "HighCpu", **labels}, {}, Severity.P2, AlertState.FIRING)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_stored_weekly_window_mutes_matching_alert_in_its_hours(tmp_path):
    store = MaintenanceStore(tmp_path / "m.db")
    stored = store.create(parse_window(SATURDAY_NIGHT), "wang", NOW)
    assert (stored.created_by, stored.created_at, len(stored.id)) == ("wang", NOW, 32)
    # 22:00-02:00 Shanghai is 14:00-18:00 UTC
    assert store.mutes(alert(host="srv-1"), utc(2024, 6, 1, 15)) == "maintenance patch night until 2024-06-02 02:00 CST"
    assert store.mutes(alert(host="srv-1"), utc(2024, 6, 1, 13, 59)) is None
    assert store.mutes(alert(host="web-1"), utc(2024, 6, 1, 15)) is None


def test_cron_window_with_written_duration_is_parsed():
    window = parse_window({"name": "n", "matchers": ['host="a"'], "cron": "0 22 * * 6", "duration": "4h"})
    assert (window.cron, window.duration) == ("0 22 * * 6", 14400.0)


def test_one_off_window_mutes_between_start_and_end():
    store = MaintenanceStore()
    store.create(parse_window({"name": "swap", "matchers": ['host="db-1"'], "start": "2024-06-01 17:00",
                               "end": "2024-06-01 18:00"}), "li", NOW)
    assert store.mutes(alert(host="db-1"), utc(2024, 6, 1, 9, 30)) is not None
    assert store.mutes(alert(host="db-1"), utc(2024, 6, 1, 10)) is None


def test_configured_and_stored_windows_both_mute_and_both_count_for_sla():
    store = MaintenanceStore(configured=CONFIGURED)
    store.create(parse_window({**SATURDAY_NIGHT, "matchers": ['host="db-1"']}), "wang", NOW)
    # db backup: 03:00-04:00 Shanghai = 19:00-20:00 UTC; patch night 14:00-18:00 UTC
    assert store.mutes(alert(host="db-1"), utc(2024, 6, 1, 19, 30)) is not None
    assert [(p.window, p.start, p.end) for p in store.windows_between(utc(2024, 6, 1, 12), utc(2024, 6, 1, 21))] == [
        ("patch night", utc(2024, 6, 1, 14), utc(2024, 6, 1, 18)),
        ("db backup", utc(2024, 6, 1, 19), utc(2024, 6, 1, 20)),
    ]
    assert store.maintenance_seconds({"host": "db-1"}, utc(2024, 6, 1, 12), utc(2024, 6, 1, 21)) == 5 * 3600


@pytest.mark.parametrize(("fields", "field", "problem"), [
    ({**SATURDAY_NIGHT, "weekdays": ["caturday"]}, "weekdays", "unknown day 'caturday'"),
    ({**SATURDAY_NIGHT, "time_range": "22-02"}, "time_range", "expected 'HH:MM-HH:MM'"),
    ({**SATURDAY_NIGHT, "matchers": ['host=~".*"']}, "matchers", "name the hosts/devices covered"),
    ({**SATURDAY_NIGHT, "cron": "0 1 * * *"}, "window", "give exactly one of"),
    ({"name": "n", "matchers": ['host="a"'], "cron": "0 25 * * *", "duration": "1h"}, "cron", "hour '25'"),
    ({"name": "n", "matchers": ['host="a"'], "start": "2024-06-02 10:00", "end": "2024-06-02 09:00"}, "end", "after start"),
    ({"name": "n", "matchers": ['host="a"'], "start": "2024-05-01 10:00", "end": "2024-05-01 12:00"}, "end", "in the past"),
    ({**SATURDAY_NIGHT, "name": "db backup"}, "name", "already exists"),
])
def test_bad_window_is_refused_naming_the_field(fields, field, problem):
    store = MaintenanceStore(configured=CONFIGURED)
    with pytest.raises(FieldProblem) as error:
        store.create(parse_window(fields), "wang", NOW)
    assert error.value.field == field and problem in error.value.problem
    assert store.list() == []


def test_unknown_field_and_bad_duration_name_the_field():
    with pytest.raises(FieldProblem) as unknown:
        parse_window({**SATURDAY_NIGHT, "weekday": ["sat"]})
    assert unknown.value.field == "weekday"
    with pytest.raises(FieldProblem) as duration:
        parse_window({"name": "n", "matchers": ['host="a"'], "cron": "0 1 * * *", "duration": "soon"})
    assert duration.value.field == "duration"


def test_second_stored_window_with_the_same_name_is_refused():
    store = MaintenanceStore()
    store.create(parse_window(SATURDAY_NIGHT), "wang", NOW)
    with pytest.raises(FieldProblem, match="already exists"):
        store.create(parse_window(SATURDAY_NIGHT), "li", NOW)


def test_window_without_author_is_refused():
    with pytest.raises(FieldProblem) as error:
        MaintenanceStore().create(parse_window(SATURDAY_NIGHT), " ", NOW)
    assert error.value.field == "created_by"


def test_deleted_window_stops_muting():
    store = MaintenanceStore()
    stored = store.create(parse_window(SATURDAY_NIGHT), "wang", NOW)
    assert store.delete(stored.id) == stored
    assert store.list() == []
    assert store.mutes(alert(host="srv-1"), utc(2024, 6, 1, 15)) is None


def test_configured_window_cannot_be_deleted_and_unknown_id_is_not_found():
    store = MaintenanceStore(configured=CONFIGURED)
    with pytest.raises(ConfiguredWindowError, match="config file"):
        store.delete("db backup")
    with pytest.raises(NoSuchWindowError):
        store.delete("0" * 32)


def test_stored_windows_survive_reopening_the_store(tmp_path):
    store = MaintenanceStore(tmp_path / "m.db")
    stored = store.create(parse_window({"name": "n", "matchers": ['host="a"'], "cron": "0 22 * * 6", "duration": "4h"}),
                          "wang", NOW)
    store.close()
    reopened = MaintenanceStore(tmp_path / "m.db")
    assert reopened.list() == [stored]
    assert reopened.mutes(alert(host="a"), utc(2024, 6, 1, 15)) is not None  # Sat 23:00 Shanghai


def test_stored_window_whose_name_is_later_configured_is_left_out(tmp_path):
    store = MaintenanceStore(tmp_path / "m.db")
    store.create(parse_window({**SATURDAY_NIGHT, "name": "db backup"}), "wang", NOW)
    store.close()
    reopened = MaintenanceStore(tmp_path / "m.db", CONFIGURED)
    assert len(reopened.list()) == 1
    assert reopened.mutes(alert(host="srv-1"), utc(2024, 6, 1, 15)) is None
