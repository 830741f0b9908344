"""What one poll of one device returned, by OID: the only thing device profiles read.

Values are plain Python: INTEGER/Counter/Gauge/TimeTicks → int, OCTET STRING → bytes, OBJECT IDENTIFIER
→ dotted str, IpAddress → dotted str, NULL/noSuchObject/noSuchInstance/endOfMibView → absent. A missing
OID is "not reported by this device", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

__all__ = ["Oid", "SnmpValue", "Walk", "parse_oid", "format_oid"]

Oid = tuple[int, ...]
SnmpValue = int | bytes | str


def parse_oid(text: str) -> Oid:
    return tuple(int(part) for part in text.strip().lstrip(".").split("."))


def format_oid(oid: Oid) -> str:
    return ".".join(str(part) for part in oid)


@dataclass
class Walk:
    values: dict[Oid, SnmpValue] = field(default_factory=dict)

    def get(self, oid: str | Oid) -> SnmpValue | None:
        return self.values.get(parse_oid(oid) if isinstance(oid, str) else oid)

    def column(self, base: str | Oid) -> dict[Oid, SnmpValue]:
        """Every value under ``base``, keyed by the index (the OID suffix after ``base``), in OID order."""
        prefix = parse_oid(base) if isinstance(base, str) else base
        size = len(prefix)
        return {oid[size:]: value for oid, value in sorted(self.values.items()) if oid[:size] == prefix and len(oid) > size}

    def table(self, entry: str | Oid, columns: dict[str, int]) -> dict[Oid, dict[str, SnmpValue]]:
        """Rows of a conceptual table: ``{index: {column name: value}}`` for the named column numbers
        under ``entry`` (e.g. ``1.3.6.1.2.1.43.11.1.1``). A row has only the columns the device returned."""
        prefix = parse_oid(entry) if isinstance(entry, str) else entry
        rows: dict[Oid, dict[str, SnmpValue]] = {}
        for name, number in columns.items():
            for index, value in self.column(prefix + (number,)).items():
                rows.setdefault(index, {})[name] = value
        return dict(sorted(rows.items()))

    def __contains__(self, oid: str | Oid) -> bool:
        return self.get(oid) is not None

    def __iter__(self) -> Iterator[tuple[Oid, SnmpValue]]:
        return iter(sorted(self.values.items()))

    def __len__(self) -> int:
        return len(self.values)
