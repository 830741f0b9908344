"""``itops``: the admin CLI, a client of the collector's HTTP API.

itops hosts [--watch SECONDS]
itops query METRIC [--host H] [--label k=v] [--since 10m] [--step 1m] [--aggregation avg]
itops rules check FILE…  /  itops rules test FILE…
itops alerts  /  itops silences list|add|expire [--matcher M …] [--duration 2h] [--comment C] [--id ID]
itops incidents list|show|open|ack|start|wait-vendor|reopen|assign|note|severity|breach-reason|resolve|close …   (see incidents_cli.py)
itops maintenance list|add|delete [--name N] [--matcher M …] [--start T --end T | --weekdays sat,sun --time-range
      22:00-02:00 | --cron "0 22 * * 6" --duration 4h] [--comment C] [--id ID]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from datetime import datetime
from zoneinfo import ZoneInfo

from itops.common.units import LANGUAGES, Language
from itops.collector.cli import incidents as incidents_cli
from itops.collector.cli.api_client import (
    ApiUnreachable,
    get_json,
    local_time,
    send_json,
    table,
    zone_caption,
)
from itops.collector.cli.reports import add_report_parser, run_report
from itops.common.clock import utc_now
from itops.common.command_line import quiet_when_output_closes
from itops.common.metric_catalogue import format_value, metric_name
from itops.entities import entity_of

__all__ = ["main"]

DEFAULT_URL = "http://127.0.0.1:9718"
DEFAULT_TIME_ZONE = "Asia/Shanghai"
CLEAR_SCREEN = "\033[2J\033[H"


def _age(ms: int, now: datetime) -> str:
    seconds = max(0, int(now.timestamp() - ms / 1000))
    if seconds < 120:
        return f"{seconds}s ago"
    return f"{seconds // 60}m ago" if seconds < 7200 else f"{seconds // 3600}h ago"


def render_hosts(agents: list[dict], zone: ZoneInfo, now: datetime) -> str:
    """The agents as a table (the agent id first: two agents on one machine share the host); ``now`` is what
    "last seen" ages are counted from."""
    header = ("AGENT", "HOST", "STATUS", "LAST SEEN", "VERSION", "OS", "ADDRESS", "ASSET", "LOCATION", "RESPONSIBLE", "FIRST SEEN")
    return table(header, [
        (a["agent_id"], a["hostname"], "online" if a["online"] else "OFFLINE", _age(a["last_seen_ms"], now),
         a["agent_version"], a["os"][:40], a["source_address"], a["asset"].get("asset_number", ""),
         a["asset"].get("location", ""), a["asset"].get("responsible_person", ""), local_time(a["first_seen_ms"], zone))
        for a in agents
    ], zone)


def _hosts(args) -> int:
    zone = ZoneInfo(args.tz)
    while True:
        rendered = render_hosts(get_json(args.url, "/api/v1/agents", token=args.token)["agents"], zone, utc_now())
        if not args.watch:
            print(rendered)
            return 0
        # A terminal is redrawn in place; a pipe or file gets each view after the last, without screen codes.
        start = CLEAR_SCREEN if sys.stdout.isatty() else "\n"
        print(f"{start}itops hosts — {args.url} — every {args.watch:g}s, Ctrl-C to stop\n\n{rendered}", flush=True)
        time.sleep(args.watch)


def _query(args) -> int:
    params = [("name", args.metric), ("since", args.since), ("aggregation", args.aggregation)]
    if args.step:
        params.append(("step", args.step))
    if args.host:
        params.append(("label", f"host={args.host}"))
    params += [("label", label) for label in args.label]
    result = get_json(args.url, "/api/v1/points", params, args.token)
    zone = ZoneInfo(args.tz)
    if not result["series"]:
        print(f"no series named {args.metric} match", file=sys.stderr)
        return 1
    print(zone_caption(zone))
    for series in result["series"]:
        print(render_series(series, zone, args.lang))
    return 0


def render_series(series: dict, zone: ZoneInfo, language: Language) -> str:
    """A series of /api/v1/points: its name and labels, what it is, then each point's local time and value
    written in the metric's unit."""
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(series["labels"].items()))
    lines = [f"{series['name']}{{{labels}}}  {metric_name(series['name'], language)}"]
    for timestamp_ms, value in series["points"]:
        shown = "—" if value is None else format_value(series["name"], value, language, series["labels"])
        lines.append(f"  {local_time(timestamp_ms, zone)}  {shown}")
    return "\n".join(lines)


def _alerts(args) -> int:
    alerts = get_json(args.url, "/api/v1/alerts", token=args.token)["alerts"]
    rows = [(a["severity"], a["state"] + (" (flapping)" if a["flapping"] else ""), a["rule"], _about(a["labels"]),
             a["annotations"].get("summary_zh" if args.lang == "zh-CN" else "summary", "")[:70],
             "; ".join(a["muted_by"])[:60]) for a in alerts]
    print(table(("SEVERITY", "STATE", "RULE", "ABOUT", "SUMMARY", "MUTED"), rows))
    return 0


def _about(labels: dict[str, str]) -> str:
    entity = entity_of(labels)
    return "" if entity is None else entity.name


def _silences(args) -> int:
    if args.action == "add":
        body = {"matchers": args.matcher, "duration": args.duration, "comment": args.comment}
        if args.start:
            body["starts_at"] = args.start
        silence = send_json(args.url, "POST", "/api/v1/silences", args.token, body)
        zone = ZoneInfo(args.tz)
        print(f"silence {silence['id']} until {local_time(silence['ends_at'], zone)} ({zone.key})")
        return 0
    if args.action == "expire":
        send_json(args.url, "DELETE", f"/api/v1/silences/{args.id}", args.token)
        print(f"silence {args.id} expired")
        return 0
    silences = get_json(args.url, "/api/v1/silences", token=args.token)["silences"]
    zone = ZoneInfo(args.tz)
    print(table(("ID", "MATCHERS", "ENDS", "BY", "COMMENT"),
                [(s["id"][:8], " ".join(s["matchers"]), local_time(s["ends_at"], zone), s["created_by"], s["comment"])
                 for s in silences], zone))
    return 0


def _maintenance(args) -> int:
    if args.action == "add":
        fields = {"name": args.name, "matchers": args.matcher, "start": args.start, "end": args.end,
                  "weekdays": args.weekdays.split(",") if args.weekdays else None, "time_range": args.time_range,
                  "cron": args.cron, "duration": args.duration, "comment": args.comment}
        window = send_json(args.url, "POST", "/api/v1/maintenance", args.token,
                       {name: value for name, value in fields.items() if value is not None})
        print(f"maintenance window {window['id']} ({window['name']}) added")
        return 0
    if args.action == "delete":
        send_json(args.url, "DELETE", f"/api/v1/maintenance/{urllib.parse.quote(args.id or '', safe='')}", args.token)
        print(f"maintenance window {args.id} deleted")
        return 0
    windows = get_json(args.url, "/api/v1/maintenance", token=args.token)["windows"]
    print(table(("ID", "NAME", "SOURCE", "MATCHERS", "WHEN", "BY", "COMMENT"),
                 [(w["id"], w["name"], w["source"], " ".join(w["matchers"]), _window_when(w), w["created_by"] or "",
                   w["comment"]) for w in windows]))
    return 0


def _window_when(window: dict) -> str:
    if window["start"] is not None:
        return f"{window['start']} → {window['end']}"
    if window["cron"] is not None:
        return f"cron {window['cron']} for {window['duration']:g}s"
    return f"{','.join(window['weekdays'])} {window['time_range']}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itops", description="itops admin CLI (talks to the collector's HTTP API)")
    parser.add_argument("--url", default=os.environ.get("ITOPS_URL", DEFAULT_URL), help=f"collector HTTP API (default $ITOPS_URL or {DEFAULT_URL})")
    parser.add_argument("--tz", default=os.environ.get("ITOPS_TZ", DEFAULT_TIME_ZONE), help=f"time zone for display (default {DEFAULT_TIME_ZONE})")
    commands = parser.add_subparsers(dest="command", required=True)
    hosts = commands.add_parser("hosts", help="agents/hosts with their status")
    hosts.add_argument("--watch", type=float, default=0, metavar="SECONDS", help="refresh every SECONDS until Ctrl-C")
    query = commands.add_parser("query", help="a metric's recent values")
    query.add_argument("metric")
    query.add_argument("--host")
    query.add_argument("--label", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument("--since", default="10m")
    query.add_argument("--step", help="bucket width, e.g. 1m (default: range/250)")
    query.add_argument("--aggregation", default="avg", choices=["avg", "min", "max", "last"])
    query.add_argument("--lang", choices=LANGUAGES, default="zh-CN", help="language of names and units")
    for reader in (hosts, query):
        _add_token(reader)
    commands.add_parser("rules", help="check|test FILE…: validate alert rule files, run rule unit tests")
    alerts = commands.add_parser("alerts", help="pending, firing and recently resolved alerts")
    alerts.add_argument("--lang", choices=LANGUAGES, default="zh-CN")
    _add_token(alerts)
    silences = commands.add_parser("silences", help="list, add or expire silences")
    silences.add_argument("action", choices=["list", "add", "expire"])
    silences.add_argument("--matcher", action="append", default=[], help='e.g. host="pc-1" or alertname=~"Printer.*" (repeatable)')
    silences.add_argument("--start", help="RFC 3339 time with zone, e.g. 2026-11-28T22:00+08:00 (default: now)")
    silences.add_argument("--duration", default="2h")
    silences.add_argument("--comment", default="")
    silences.add_argument("--id", help="the silence to expire")
    _add_token(silences)
    maintenance = commands.add_parser("maintenance", help="list, add or delete maintenance windows")
    maintenance.add_argument("action", choices=["list", "add", "delete"])
    maintenance.add_argument("--name", help="shown as the reason an alert is quiet")
    maintenance.add_argument("--matcher", action="append", default=[], help='hosts/devices covered, e.g. host=~"srv-.*" (repeatable)')
    maintenance.add_argument("--start", help="one-off window: local start, e.g. '2024-06-01 22:00'")
    maintenance.add_argument("--end", help="one-off window: local end")
    maintenance.add_argument("--weekdays", help="weekly window: days it starts on, e.g. sat,sun")
    maintenance.add_argument("--time-range", help="weekly window: local HH:MM-HH:MM, e.g. 22:00-02:00")
    maintenance.add_argument("--cron", help="cron window: 5-field start times, e.g. '0 22 * * 6'")
    maintenance.add_argument("--duration", help="cron window: how long each run lasts, e.g. 4h")
    maintenance.add_argument("--comment", default="")
    maintenance.add_argument("--id", help="the stored window to delete")
    _add_token(maintenance)
    incidents_cli.add_parser(commands, _add_token)
    add_report_parser(commands)
    return parser


def _add_token(command: argparse.ArgumentParser) -> None:
    command.add_argument("--token", default=os.environ.get("ITOPS_TOKEN", ""), help="API token (default $ITOPS_TOKEN)")


@quiet_when_output_closes
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["rules"]:  # `itops rules check|test FILE…` works on files, without a collector
        from itops.alerting.rules.rule_tests import main as rules_main

        return rules_main(argv[1:])
    args = _parser().parse_args(argv)
    commands = {"hosts": _hosts, "query": _query, "alerts": _alerts, "silences": _silences, "maintenance": _maintenance,
                "incidents": incidents_cli.run, "report": run_report}
    try:
        return commands[args.command](args)
    except ApiUnreachable as exc:
        print(f"itops: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
