from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from itops.collector.admin_cli import render_hosts

NOW = datetime(2031, 5, 20, 3, 0, tzinfo=UTC)


def agent(last_seen: datetime) -> dict:
    ms = int(last_seen.timestamp() * 1000)
    return {"agent_id": "pc-1", "hostname": "pc-1", "online": True, "last_seen_ms": ms, "agent_version": "0.1.0",
            "os": "Linux", "source_address": "10.0.0.5", "asset": {}, "first_seen_ms": ms}


def test_last_seen_is_counted_from_the_given_time():
    table = render_hosts([agent(datetime(2031, 5, 20, 2, 58, 30, tzinfo=UTC))], ZoneInfo("Asia/Shanghai"), NOW)
    assert "90s ago" in table and "2031-05-20 10:58:30" in table
