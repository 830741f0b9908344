"""Printer-MIB marker supplies (RFC 3805 prtMarkerSuppliesTable): what each supply is and how much is left.

The level of a consumed supply (toner, ink, drum) is what is left in it; the level of a receptacle (waste
toner box) is the space left in it, so a receptacle is a problem when it fills up, not when it "runs low".
Levels -1 (other), -2 (unknown) and -3 (some left) are sentinels, never amounts (``sentinels.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.interpreters.text import display_text
from itops.agent.inputs.snmp.walk import Oid, SnmpValue, Walk

__all__ = ["LOW_REMAINING_RATIO", "NEARLY_FULL_RATIO", "SUPPLY_STATES", "Supply", "read_supplies"]

SUPPLIES_ENTRY = "1.3.6.1.2.1.43.11.1.1"
SUPPLY_COLUMNS = {"colorant": 3, "supply_class": 4, "type": 5, "description": 6, "unit": 7, "max_capacity": 8, "level": 9}
COLORANT_VALUE = "1.3.6.1.2.1.43.12.1.1.4"

LOW_REMAINING_RATIO = 0.10  # a consumed supply at or below this share left is "low"
NEARLY_FULL_RATIO = 0.90  # a receptacle filled to this share or more is "nearly_full"

LEVEL_SOME_REMAINING = -3
CONSUMED_CLASS, RECEPTACLE_CLASS = 3, 4
PERCENT_UNIT = 19

SUPPLY_STATES = ("ok", "low", "empty", "nearly_full", "full", "some_remaining", "unknown")
# Which of two rows describing the same supply to keep: the one that shows the most left.
_STATE_PREFERENCE = {"ok": 5, "some_remaining": 4, "low": 3, "nearly_full": 3, "empty": 2, "full": 2, "unknown": 1}

SUPPLY_TYPES = {
    1: "other", 2: "unknown", 3: "toner", 4: "wasteToner", 5: "ink", 6: "inkCartridge", 7: "inkRibbon",
    8: "wasteInk", 9: "opc", 10: "developer", 11: "fuserOil", 12: "solidWax", 13: "ribbonWax", 14: "wasteWax",
    15: "fuser", 16: "coronaWire", 17: "fuserOilWick", 18: "cleanerUnit", 19: "fuserCleaningPad",
    20: "transferUnit", 21: "tonerCartridge", 22: "fuserOiler", 23: "water", 24: "wasteWater",
    25: "glueWaterAdditive", 26: "wastePaper", 27: "bindingSupply", 28: "bandingSupply", 29: "stitchingWire",
    30: "shrinkWrap", 31: "paperWrap", 32: "staples", 33: "inserts", 34: "covers", 35: "matteToner", 36: "matteInk",
}
WASTE_TYPES = {4, 8, 14, 24, 26}
SUPPLY_UNITS = {
    1: "other", 2: "unknown", 3: "tenThousandthsOfInches", 4: "micrometers", 7: "impressions", 8: "sheets",
    11: "hours", 12: "thousandthsOfOunces", 13: "tenthsOfGrams", 14: "hundrethsOfFluidOunces",
    15: "tenthsOfMilliliters", 16: "feet", 17: "meters", 18: "items", 19: "percent",
}
# Longest first, so "light cyan" is found before "cyan".
COLOUR_WORDS = ("light magenta", "light cyan", "light black", "light gray", "photo black", "matte black",
                "magenta", "yellow", "black", "cyan", "gray", "grey", "red", "green", "blue", "orange", "violet")

_SERIAL_SUFFIX = re.compile(r"(?:\s*[;,]\s*SN|\s*S/N)\s*:?.*$")
_MIN_LETTERS = 2
_MAX_UNREADABLE_SHARE = 0.25  # control bytes (C1 from Latin-1) in garbage


@dataclass
class Supply:
    index: str
    description: str
    type: str
    colour: str
    unit: str
    level: int | None  # an amount; None for the sentinels -1, -2 and -3
    max_capacity: int | None  # None for the sentinels -1 and -2
    receptacle: bool
    left_ratio: float | None  # share left: content of a consumed supply, free space of a receptacle
    state: str

    @property
    def fill_ratio(self) -> float | None:
        return None if self.left_ratio is None else 1.0 - self.left_ratio


def read_supplies(walk: Walk) -> list[Supply]:
    """Every supply row, cleaned: duplicate rows merged, duplicate descriptions made distinct."""
    colorants = walk.column(COLORANT_VALUE)
    rows = walk.table(SUPPLIES_ENTRY, SUPPLY_COLUMNS)
    supplies = [_supply(index, row, colorants) for index, row in rows.items()]
    return _distinct_descriptions(_merge_reported_twice(supplies))


def _supply(index: Oid, row: dict[str, SnmpValue], colorants: dict[Oid, SnmpValue]) -> Supply:
    type_number = row.get("type")
    supply_type = SUPPLY_TYPES.get(type_number, "unknown")
    described = clean_description(row.get("description", b""))
    colour = _colour(index, row.get("colorant"), colorants, described or "")
    description = described or _fallback_description(supply_type, colour)
    receptacle = _is_receptacle(row.get("supply_class"), type_number, description)
    level = _in_range(known("prtMarkerSuppliesLevel", row.get("level")))
    max_capacity = _in_range(known("prtMarkerSuppliesMaxCapacity", row.get("max_capacity")))
    unit = row.get("unit")
    left_ratio = _left_ratio(level, max_capacity, unit)
    some_remaining = row.get("level") == LEVEL_SOME_REMAINING
    return Supply(index=str(index[-1]), description=description, type=supply_type, colour=colour,
                  unit=SUPPLY_UNITS.get(unit, "unknown"), level=level, max_capacity=max_capacity, receptacle=receptacle,
                  left_ratio=left_ratio, state=_state(level, some_remaining, left_ratio, receptacle))


def _in_range(amount: int | None) -> int | None:
    """Below the sentinels is outside the MIB's range: no amount either."""
    return amount if amount is None or amount >= 0 else None


def _left_ratio(level: int | None, max_capacity: int | None, unit: SnmpValue | None) -> float | None:
    if level is None:
        return None
    if level == 0:
        return 0.0
    if max_capacity is not None and max_capacity > 0:
        return min(level / max_capacity, 1.0)
    if unit == PERCENT_UNIT and level <= 100:
        return level / 100
    return None


def _state(level: int | None, some_remaining: bool, left_ratio: float | None, receptacle: bool) -> str:
    if some_remaining:
        return "some_remaining"
    if level is None:
        return "unknown"
    if left_ratio is None:  # a positive amount of unknown proportion: something is left
        return "some_remaining"
    if receptacle:
        if left_ratio == 0:
            return "full"
        return "nearly_full" if 1.0 - left_ratio >= NEARLY_FULL_RATIO else "ok"
    if left_ratio == 0:
        return "empty"
    return "low" if left_ratio <= LOW_REMAINING_RATIO else "ok"


def _is_receptacle(supply_class: SnmpValue | None, type_number: SnmpValue | None, description: str) -> bool:
    if supply_class in (CONSUMED_CLASS, RECEPTACLE_CLASS):
        return supply_class == RECEPTACLE_CLASS
    # Without the class column (most recordings) the type says it; without a type (Xerox), the name.
    return type_number in WASTE_TYPES or "waste" in description.lower()


def clean_description(raw: SnmpValue) -> str | None:
    """Readable text from a supply description, or None when nothing readable is left."""
    text = display_text(raw)
    unreadable = sum(not char.isprintable() and not char.isspace() for char in text)
    text = " ".join(_SERIAL_SUFFIX.sub("", "".join(char if char.isprintable() else " " for char in text)).split())
    letters = sum(char.isalpha() for char in text)
    if letters < _MIN_LETTERS or unreadable > _MAX_UNREADABLE_SHARE * (len(text) + unreadable):
        return None
    return text


def _colour(index: Oid, colorant: SnmpValue | None, colorants: dict[Oid, SnmpValue], description: str) -> str:
    # prtMarkerColorantTable is indexed (hrDeviceIndex, prtMarkerColorantIndex); 0 means "no colorant".
    if isinstance(colorant, int) and colorant > 0:
        value = colorants.get(index[:-1] + (colorant,))
        named = clean_description(value) if value is not None else None
        if named:
            return named.lower()
    lowered = description.lower()
    return next((word for word in COLOUR_WORDS if re.search(rf"\b{word}\b", lowered)), "")


def _fallback_description(supply_type: str, colour: str) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", supply_type).lower()
    return f"{colour} {words}".strip().capitalize()


def _merge_reported_twice(supplies: list[Supply]) -> list[Supply]:
    """One physical supply reported in two rows (Brother HL-5370DW: "Black Toner Cartridge" at 0 and at -3)
    is reported once, from the row that shows the most left: a stale twin row must not raise "empty"."""
    kept: dict[tuple, Supply] = {}
    for supply in supplies:
        current = kept.get(_key(supply))
        if current is None or _STATE_PREFERENCE[supply.state] > _STATE_PREFERENCE[current.state]:
            kept[_key(supply)] = supply
    return [supply for supply in supplies if kept.get(_key(supply)) is supply]


def _key(supply: Supply) -> tuple:
    return (supply.description, supply.type, supply.colour, supply.receptacle)


def _distinct_descriptions(supplies: list[Supply]) -> list[Supply]:
    seen: dict[str, int] = {}
    for supply in supplies:
        seen[supply.description] = seen.get(supply.description, 0) + 1
    for supply in supplies:
        if seen[supply.description] > 1:
            supply.description = f"{supply.description} #{supply.index}"
    return supplies
