"""What a UPS said in one poll, in base units, whichever MIB it said it in (None: not reported)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BATTERY_STATUSES", "OUTPUT_SOURCES", "UpsReading"]

# RFC 1628 upsOutputSource names; APC output states are mapped onto them.
OUTPUT_SOURCES = ("other", "none", "normal", "bypass", "battery", "booster", "reducer")
BATTERY_STATUSES = ("unknown", "normal", "low", "depleted", "fault")


@dataclass
class UpsReading:
    output_source: str | None = None
    battery_status: str | None = None
    battery_charge_ratio: float | None = None
    battery_runtime_s: float | None = None
    battery_volts: float | None = None
    battery_celsius: float | None = None
    battery_replace: bool | None = None
    input_volts: dict[str, float] = field(default_factory=dict)  # by line ("1", "2", "3")
    output_volts: dict[str, float] = field(default_factory=dict)
    output_load_ratio: dict[str, float] = field(default_factory=dict)
