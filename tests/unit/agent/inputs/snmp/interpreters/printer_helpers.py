"""Polling the printer interpreter against a recording and reading back what it reported."""

from __future__ import annotations

import functools

from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.printer import interpret
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import RECORDINGS, load_walk

NOW_S = 1_700_000_000.0
SUPPLY = "1.3.6.1.2.1.43.11.1.1"
PRINTER_RECORDINGS = sorted(path.stem for path in (RECORDINGS / "printers").glob("*.snmprec"))


@functools.cache
def _recording(name: str) -> Walk:
    return load_walk(f"printers/{name}")


def printer_walk(name: str) -> Walk:
    """A fresh walk of a printer recording (``"brother"``), for one test to change."""
    return Walk(dict(_recording(name).values))


def set_value(walk: Walk, oid: str, value: int | bytes | str) -> None:
    walk.values[parse_oid(oid)] = value


def set_supply(walk: Walk, column: int, supply: int, value: int | bytes) -> None:
    set_value(walk, f"{SUPPLY}.{column}.1.{supply}", value)


def poll(walk: Walk, state: dict | None = None, now_s: float = NOW_S) -> tuple[GatherResult, DeviceContext]:
    device = DeviceContext("printer-1", now_s, state if state is not None else {})
    acc = GatherResult({}, clock=lambda: now_s)
    interpret(walk, device, acc)
    return acc, device


def samples(acc: GatherResult, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
    return [(sample_labels, value) for sample_name, sample_labels, value, _ in acc.samples
            if sample_name == name and all(sample_labels.get(key) == wanted for key, wanted in labels.items())]


def value(acc: GatherResult, name: str, **labels: str) -> float:
    found = samples(acc, name, **labels)
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0][1]


def supply_state(acc: GatherResult, supply: str) -> str:
    states = [labels["state"] for labels, value in samples(acc, "itops_printer_supply_state", supply=supply) if value == 1]
    assert len(states) == 1, f"supply {supply}: {states}"
    return states[0]


def reported_supplies(acc: GatherResult) -> list[str]:
    return list(dict.fromkeys(labels["supply"] for labels, _ in samples(acc, "itops_printer_supply_state")))


def check(acc: GatherResult, name: str, supply: str | None = None):
    found = [result for result in acc.checks if result.check == name
             and (supply is None or any(label.name == "supply" and label.value == supply for label in result.labels))]
    assert len(found) == 1, f"{name} {supply}: {found}"
    return found[0]
