from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from itops.collector.cli.itops_command import _about, render_hosts

NOW = datetime(2031, 5, 20, 3, 0, tzinfo=UTC)


def agent(last_seen: datetime) -> dict:
    ms = int(last_seen.timestamp() * 1000)
    return {"agent_id": "pc-1", "hostname": "pc-1", "online": True, "last_seen_ms": ms, "agent_version": "0.1.0",
            "os": "Linux", "source_address": "10.0.0.5", "asset": {}, "first_seen_ms": ms}


def test_last_seen_is_counted_from_the_given_time():
    table = render_hosts([agent(datetime(2031, 5, 20, 2, 58, 30, tzinfo=UTC))], ZoneInfo("Asia/Shanghai"), NOW)
    assert "90s ago" in table and "2031-05-20 10:58:30" in table


def test_two_agents_on_one_machine_are_told_apart_by_their_agent_id():
    first, second = agent(NOW), {**agent(NOW), "agent_id": "pc-1-backup"}
    header, *rows = render_hosts([first, second], ZoneInfo("Asia/Shanghai"), NOW).splitlines()[1:]
    assert header.split()[:2] == ["AGENT", "HOST"]
    assert [row.split()[:2] for row in rows] == [["pc-1", "pc-1"], ["pc-1-backup", "pc-1"]]


def test_the_hosts_table_says_its_time_zone_once():
    rendered = render_hosts([agent(NOW)], ZoneInfo("Asia/Shanghai"), NOW)
    assert rendered.splitlines()[0] == "times in Asia/Shanghai" and rendered.count("Asia/Shanghai") == 1


def test_an_alert_is_about_its_clock_not_the_host_polling_it():
    assert _about({"alertname": "AttendanceClockFast", "host": "vm", "clock": "main-entrance"}) == "main-entrance"
    assert _about({"alertname": "Watchdog"}) == ""
