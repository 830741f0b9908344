"""``itops incidents …``: incidents from the command line, through the collector's HTTP API.

itops incidents list [--state S] [--severity P1] [--open]     with SLA countdowns in the local zone
itops incidents show ID
itops incidents open --title T --severity P2 --category hardware [--asset NAME[:ASSET_NO]]… [--assignee U]
itops incidents ack ID | assign ID USER | note ID TEXT | resolve ID --cause C --resolution R
itops incidents close ID --sign-off NAME
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from itops.collector.api_client import get_json, send_json, table, zone_caption

__all__ = ["add_parser", "clock_text", "run"]

ACTIONS = ("list", "show", "open", "ack", "assign", "note", "resolve", "close")


def _duration_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h"


def _local(iso: str | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromisoformat(iso).astimezone(zone).strftime(fmt) if iso else ""


def clock_text(clock: dict, zone: ZoneInfo) -> str:
    """One SLA clock for a table cell: ``23m left (by 11-24 14:05)``, ``BREACHED +1h05m``, ``met``, …"""
    if clock["state"] == "met":
        return "met"
    if clock["breached"]:
        return "BREACHED" if clock["state"] == "breached" else f"BREACHED +{_duration_text(clock['remaining_s'])}"
    left = f"{_duration_text(clock['remaining_s'])} left"
    if clock["state"] == "paused":
        return f"paused, {left}"
    if not clock["counting"]:  # outside its calendar's hours, or in maintenance
        left += ", off the clock"
    return f"{left} (by {_local(clock['deadline'], zone, '%m-%d %H:%M')})" if clock["deadline"] else left


def _path(incident_id: str, action: str = "") -> str:
    return f"/api/v1/incidents/{urllib.parse.quote(incident_id, safe='')}" + (f"/{action}" if action else "")


def _list(args, zone: ZoneInfo) -> int:
    params = [(name, value) for name, value in (("state", args.state), ("severity", args.severity)) if value]
    if args.open:
        params.append(("open", "1"))
    incidents = get_json(args.url, "/api/v1/incidents", params, args.token)["incidents"]
    print(table(("ID", "SEV", "STATE", "CATEGORY", "TITLE", "ASSIGNEE", "OPENED", "RESPOND", "RESOLVE"), [
        (i["id"], i["severity"], i["state"], i["category"], i["title"][:50], i["assignee"] or "",
         _local(i["opened_at"], zone), clock_text(i["sla"]["response"], zone), clock_text(i["sla"]["resolution"], zone))
        for i in incidents], zone))
    return 0


def _print_incident(incident: dict, zone: ZoneInfo) -> None:
    print(zone_caption(zone))
    assets = ", ".join(a["name"] + (f" ({a['asset_number']})" if a["asset_number"] else "") for a in incident["assets"])
    for label, value in (("id", incident["id"]), ("title", incident["title"]), ("severity", incident["severity"]),
                         ("category", f"{incident['category']} ({incident['category_name']['zh-CN']})"),
                         ("state", incident["state"]), ("assets", assets), ("reporter", incident["reporter"]),
                         ("assignee", incident["assignee"] or ""), ("opened", _local(incident["opened_at"], zone)),
                         ("respond", clock_text(incident["sla"]["response"], zone)),
                         ("resolve", clock_text(incident["sla"]["resolution"], zone)),
                         ("cause", incident["cause"] or ""), ("resolution", incident["resolution"] or ""),
                         ("signed off", incident["signed_off_by"] or "")):
        print(f"{label + ':':12} {value}")
    print()
    print(table(("AT", "WHO", "WHAT", "FROM", "TO", "TEXT"), [
        (_local(e["at"], zone, "%Y-%m-%d %H:%M:%S"), e["who"], e["kind"], e["from"] or "", e["to"] or "",
         (e["text"] or "").replace("\n", " / ")[:70]) for e in incident.get("timeline", [])]))


def _asset(raw: str) -> dict:
    name, _, number = raw.partition(":")
    return {"name": name, "asset_number": number or None}


def _change(args) -> dict:
    """Make the POST of a changing action; the incident as it is afterwards."""
    bodies: dict[str, Callable[[], tuple[str, dict]]] = {
        "open": lambda: ("/api/v1/incidents", {
            "title": args.title, "severity": args.severity, "category": args.category,
            "assets": [_asset(a) for a in args.asset],
            **({"assignee": args.assignee} if args.assignee else {})}),
        "ack": lambda: (_path(args.id, "ack"), {}),
        "assign": lambda: (_path(args.id, "assign"), {"assignee": args.value}),
        "note": lambda: (_path(args.id, "note"), {"text": args.value}),
        "resolve": lambda: (_path(args.id, "resolve"), {"cause": args.cause, "resolution": args.resolution}),
        "close": lambda: (_path(args.id, "close"), {"sign_off": args.sign_off}),
    }
    path, body = bodies[args.action]()
    return send_json(args.url, "POST", path, args.token, body)


def run(args) -> int:
    missing = _missing(args)
    if missing:
        print(f"itops incidents {args.action}: needs {', '.join(m.replace('_', '-') for m in missing)}", file=sys.stderr)
        return 2
    zone = ZoneInfo(args.tz)
    if args.action == "list":
        return _list(args, zone)
    if args.action == "show":
        _print_incident(get_json(args.url, _path(args.id), token=args.token), zone)
        return 0
    incident = _change(args)
    print(f"{incident['id']}: {incident['state']} — {incident['title']}")
    return 0


def _missing(args) -> list[str]:
    needs = {"show": ["id"], "ack": ["id"], "assign": ["id", "value"], "note": ["id", "value"],
             "resolve": ["id", "cause", "resolution"], "close": ["id", "sign_off"],
             "open": ["title", "severity", "category"]}
    return [name for name in needs.get(args.action, []) if not getattr(args, name)]


def add_parser(commands, add_token: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``incidents`` to the ``itops`` sub-commands."""
    parser = commands.add_parser("incidents", help="list, show, open and work incidents")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("id", nargs="?", help="incident id, e.g. INC-2026-000042")
    parser.add_argument("value", nargs="?", help="assign: the assignee; note: the text")
    parser.add_argument("--state", help="list: only this state")
    parser.add_argument("--severity", help="list: only this severity; open: P1 to P4")
    parser.add_argument("--open", action="store_true", help="list: every state but resolved and closed")
    parser.add_argument("--title", help="open: what is wrong")
    parser.add_argument("--category", help="open: environment, hardware, network, base_software or application")
    parser.add_argument("--asset", action="append", default=[], metavar="NAME[:ASSET_NO]", help="open: affected asset (repeatable)")
    parser.add_argument("--assignee", help="open: who handles it")
    parser.add_argument("--cause", help="resolve: the root cause")
    parser.add_argument("--resolution", help="resolve: what fixed it")
    parser.add_argument("--sign-off", dest="sign_off", help="close: who signed off (验收签字)")
    add_token(parser)
