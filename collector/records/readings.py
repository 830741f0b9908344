"""The key readings of hosts and devices as the API sends them to the console: each reading's name and value in
every language (``reading_texts``), written by the metric catalogue of ``itops.common.metric_catalogue`` — the
same names, units and words as the CLI and alert annotations use.
"""

from __future__ import annotations

from itops.common.metric_catalogue import MetricEntry, catalogue, format_value
from itops.common.units import LANGUAGES

__all__ = ["reading_entry", "reading_texts"]


def reading_entry(reading: str) -> MetricEntry:
    return catalogue().readings[reading]


def reading_texts(reading: str, value: float) -> dict[str, dict[str, str]]:
    """A key reading's name and value in every language, as the API sends them to the console."""
    entry = reading_entry(reading)
    return {"label": {language: entry.name(language) for language in LANGUAGES},
            "text": {language: format_value(entry, value, language) for language in LANGUAGES}}
