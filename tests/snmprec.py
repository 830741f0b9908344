"""Read snmpsim ``.snmprec`` recordings (``OID|TYPE|VALUE``) into a ``Walk``, as the poller would see them."""

from __future__ import annotations

from pathlib import Path

from itops.agent.inputs.snmp.walk import Walk, parse_oid

RECORDINGS = Path(__file__).resolve().parent / "fixtures" / "snmp"

_INTEGER_TYPES = {"2", "65", "66", "67", "70"}


def _value(type_code: str, raw: str):
    if type_code in _INTEGER_TYPES:
        return int(raw)
    if type_code == "4":
        return raw.encode("utf-8", "surrogateescape")
    if type_code == "4x":
        return bytes.fromhex(raw)
    if type_code in ("6", "64"):
        return raw
    if type_code == "5":
        return None
    raise ValueError(f"unknown snmprec type {type_code!r}")


UNREADABLE_LINES: dict[str, list[int]] = {}
"""Lines whose value cannot be parsed (two recordings carry such corrupt values, verbatim from upstream:
a device answering them would return garbage for that one OID, so they are left out, not the file)."""


def load_walk(name: str) -> Walk:
    """``load_walk("printers/brother")`` → the recording's values."""
    walk = Walk()
    unreadable = UNREADABLE_LINES[name] = []
    path = RECORDINGS / f"{name}.snmprec"
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="surrogateescape").splitlines(), 1):
        if not line.strip():
            continue
        oid, type_code, raw = line.split("|", 2)
        try:
            value = _value(type_code, raw)
        except ValueError:
            unreadable.append(number)
            continue
        if value is not None:
            walk.values[parse_oid(oid)] = value
    return walk
