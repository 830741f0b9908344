"""``itops incidents …``: incidents from the command line, through the collector's HTTP API. Every action
the console's incident page has is here.

itops incidents list [--state S] [--severity P1] [--open]     with SLA countdowns in the local zone
itops incidents show ID
itops incidents open --title T --severity P2 --category hardware [--asset NAME[:ASSET_NO]]… [--assignee U]
                     [--description TEXT] [--reported-at WHEN] [--occurred-at WHEN]
itops incidents ack ID | start ID | wait-vendor ID --vendor-ticket T [--note N] | reopen ID [--note N]
itops incidents assign ID USER | note ID TEXT | severity ID P1 --reason R | breach-reason ID TEXT
itops incidents resolve ID --cause C --resolution R [--force] | close ID --sign-off NAME

Every changing action takes ``--at WHEN``, when it happened if before now ("acknowledged at 03:12 by
phone"). WHEN is local time in --tz ("2026-12-03 22:40", or "03:12" for the most recent 03:12) or ISO 8601
with an offset.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from itops.collector.cli.api_client import (
    get_json,
    local_time,
    send_json,
    table,
    zone_caption,
)
from itops.common.clock import utc_now

__all__ = ["add_parser", "clock_text", "parse_when", "run"]

ACTIONS = ("list", "show", "open", "ack", "start", "wait-vendor", "reopen", "assign", "note", "severity",
           "breach-reason", "resolve", "close")
_MINUTES = "%Y-%m-%d %H:%M"
_LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A time typed on the command line: ISO 8601 with an offset, a local "YYYY-MM-DD HH:MM[:SS]" in ``zone``,
    or a local "HH:MM" meaning its most recent occurrence at or before ``now``."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            pass
    try:
        clock_time = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r}: expected local time in {zone.key} (2026-12-03 22:40, or 03:12 for the most "
                         "recent 03:12) or ISO 8601 with an offset (2026-12-03T22:40+08:00)") from None
    local_now = now.astimezone(zone)
    moment = datetime.combine(local_now.date(), clock_time, tzinfo=zone)
    return moment if moment <= local_now else datetime.combine(local_now.date() - timedelta(days=1), clock_time, tzinfo=zone)


def _duration_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h"


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
    return f"{left} (by {local_time(clock['deadline'], zone, '%m-%d %H:%M')})" if clock["deadline"] else left


def _path(incident_id: str, action: str = "") -> str:
    return f"/api/v1/incidents/{urllib.parse.quote(incident_id, safe='')}" + (f"/{action}" if action else "")


def _list(args, zone: ZoneInfo) -> int:
    params = [(name, value) for name, value in (("state", args.state), ("severity", args.severity)) if value]
    if args.open:
        params.append(("open", "1"))
    incidents = get_json(args.url, "/api/v1/incidents", params, args.token)["incidents"]
    print(table(("ID", "SEV", "STATE", "CATEGORY", "TITLE", "ASSIGNEE", "OPENED", "RESPOND", "RESOLVE"), [
        (i["id"], i["severity"], i["state"], i["category"], i["title"][:50], i["assignee"] or "",
         local_time(i["opened_at"], zone, _MINUTES), clock_text(i["sla"]["response"], zone), clock_text(i["sla"]["resolution"], zone))
        for i in incidents], zone))
    return 0


def _print_incident(incident: dict, zone: ZoneInfo) -> None:
    print(zone_caption(zone))
    assets = ", ".join(a["name"] + (f" ({a['asset_number']})" if a["asset_number"] else "") for a in incident["assets"])
    for label, value in (("id", incident["id"]), ("title", incident["title"]), ("severity", incident["severity"]),
                         ("category", f"{incident['category']} ({incident['category_name']['zh-CN']})"),
                         ("state", incident["state"]), ("assets", assets), ("reporter", incident["reporter"]),
                         ("assignee", incident["assignee"] or ""), ("occurred", local_time(incident["occurred_at"], zone, _MINUTES)),
                         ("reported", local_time(incident["opened_at"], zone, _MINUTES)),
                         ("respond", clock_text(incident["sla"]["response"], zone)),
                         ("resolve", clock_text(incident["sla"]["resolution"], zone)),
                         ("cause", incident["cause"] or ""), ("resolution", incident["resolution"] or ""),
                         ("signed off", incident["signed_off_by"] or "")):
        print(f"{label + ':':12} {value}")
    print()
    print(table(("AT", "WHO", "WHAT", "FROM", "TO", "TEXT", "ENTERED"), [
        (local_time(e["at"], zone), e["who"], e["kind"], e["from"] or "", e["to"] or "",
         (e["text"] or "").replace("\n", " / ")[:70], _entered(e, zone)) for e in incident.get("timeline", [])]))


def _entered(entry: dict, zone: ZoneInfo) -> str:
    """When and by whom an entry typed in after it happened was entered; empty when entered as it happened."""
    if entry["entered_at"] == entry["at"]:
        return ""
    return f"{local_time(entry['entered_at'], zone)} by {entry['entered_by']}"


def _asset(raw: str) -> dict:
    name, _, number = raw.partition(":")
    return {"name": name, "asset_number": number or None}


def _when(args, name: str, zone: ZoneInfo) -> dict:
    """``{name: ISO time}`` from the option of that name, or nothing when it was not given."""
    raw = getattr(args, name)
    return {name: parse_when(raw, zone, utc_now()).isoformat()} if raw else {}


def _given(**fields) -> dict:
    return {name: value for name, value in fields.items() if value}


def _change(args, zone: ZoneInfo) -> dict:
    """Make the POST of a changing action; the incident as it is afterwards."""
    bodies: dict[str, Callable[[], tuple[str, dict]]] = {
        "open": lambda: ("/api/v1/incidents", {
            "title": args.title, "severity": args.severity, "category": args.category,
            "assets": [_asset(a) for a in args.asset],
            **_given(assignee=args.assignee, description=args.description),
            **_when(args, "reported_at", zone), **_when(args, "occurred_at", zone)}),
        "ack": lambda: (_path(args.id, "ack"), {}),
        "start": lambda: (_path(args.id, "transition"), {"state": "in_progress"}),
        "wait-vendor": lambda: (_path(args.id, "transition"), {
            "state": "waiting_for_vendor", "vendor_ticket": args.vendor_ticket, **_given(note=args.note)}),
        "reopen": lambda: (_path(args.id, "transition"), {"state": "in_progress", **_given(note=args.note)}),
        "assign": lambda: (_path(args.id, "assign"), {"assignee": args.value}),
        "note": lambda: (_path(args.id, "note"), {"text": args.value}),
        "severity": lambda: (_path(args.id, "severity"), {"severity": args.value, "reason": args.reason}),
        "breach-reason": lambda: (_path(args.id, "breach_reason"), {"text": args.value}),
        "resolve": lambda: (_path(args.id, "resolve"), {
            "cause": args.cause, "resolution": args.resolution, **_given(force=args.force)}),
        "close": lambda: (_path(args.id, "close"), {"sign_off": args.sign_off}),
    }
    path, body = bodies[args.action]()
    if args.action != "open":
        body.update(_when(args, "at", zone))
    return send_json(args.url, "POST", path, args.token, body)


def run(args) -> int:
    missing = _missing(args)
    if missing:
        print(f"itops incidents {args.action}: needs {', '.join(m.replace('_', '-') for m in missing)}", file=sys.stderr)
        return 2
    if args.action == "open" and args.at:
        print("itops incidents open: --at is for changes; give --reported-at (and --occurred-at)", file=sys.stderr)
        return 2
    zone = ZoneInfo(args.tz)
    if args.action == "list":
        return _list(args, zone)
    if args.action == "show":
        _print_incident(get_json(args.url, _path(args.id), token=args.token), zone)
        return 0
    try:
        incident = _change(args, zone)
    except ValueError as exc:
        print(f"itops incidents {args.action}: {exc}", file=sys.stderr)
        return 2
    print(f"{incident['id']}: {incident['state']} — {incident['title']}")
    return 0


def _missing(args) -> list[str]:
    needs = {"show": ["id"], "ack": ["id"], "start": ["id"], "wait-vendor": ["id", "vendor_ticket"], "reopen": ["id"],
             "assign": ["id", "value"], "note": ["id", "value"], "severity": ["id", "value", "reason"],
             "breach-reason": ["id", "value"], "resolve": ["id", "cause", "resolution"], "close": ["id", "sign_off"],
             "open": ["title", "severity", "category"]}
    return [name for name in needs.get(args.action, []) if not getattr(args, name)]


def add_parser(commands, add_token: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``incidents`` to the ``itops`` sub-commands."""
    parser = commands.add_parser("incidents", help="list, show, open and work incidents")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("id", nargs="?", help="incident id, e.g. INC-2026-000042")
    parser.add_argument("value", nargs="?", help="assign: the assignee; note, breach-reason: the text; severity: P1 to P4")
    parser.add_argument("--state", help="list: only this state")
    parser.add_argument("--severity", help="list: only this severity; open: P1 to P4")
    parser.add_argument("--open", action="store_true", help="list: every state but resolved and closed")
    parser.add_argument("--title", help="open: what is wrong")
    parser.add_argument("--category", help="open: environment, hardware, network, base_software or application")
    parser.add_argument("--asset", action="append", default=[], metavar="NAME[:ASSET_NO]", help="open: affected asset (repeatable)")
    parser.add_argument("--assignee", help="open: who handles it")
    parser.add_argument("--description", help="open: the first note on the timeline")
    parser.add_argument("--reported-at", dest="reported_at", metavar="WHEN",
                        help="open: when the fault was reported (default now); the SLA clocks run from it")
    parser.add_argument("--occurred-at", dest="occurred_at", metavar="WHEN", help="open: when the fault began")
    parser.add_argument("--at", metavar="WHEN", help="any change: when it happened, if before now "
                        "(local '2026-12-03 22:40', '03:12' for the most recent 03:12, or ISO 8601 with offset)")
    parser.add_argument("--vendor-ticket", dest="vendor_ticket", help="wait-vendor: the vendor's ticket number")
    parser.add_argument("--note", help="wait-vendor, reopen: why")
    parser.add_argument("--reason", help="severity: why it changes")
    parser.add_argument("--force", action="store_true", help="resolve: even though its alert is still firing")
    parser.add_argument("--cause", help="resolve: the root cause")
    parser.add_argument("--resolution", help="resolve: what fixed it")
    parser.add_argument("--sign-off", dest="sign_off", help="close: who signed off (确认人签字)")
    add_token(parser)
