"""Device text as a label value (``label_text``): the same control-character rule as the wire contract's."""

import pytest

from itops.agent.inputs.snmp.interpreters.readings import LABEL_MAX_CHARS, label_text
from itops.series_key import series_problem


@pytest.mark.parametrize("raw, expected", [
    ("Black  Toner\r\nCartridge", "Black Toner Cartridge"),
    ("Toner\x00\x00", "Toner"),
    ("Cyan\x85Toner", "Cyan Toner"),  # C1 (NEL): a Latin-1 decoding of garbage yields these
    ("Mag\x9benta", "Mag enta"),
    ("墨粉盒\x1b[31m", "墨粉盒 [31m"),
])
def test_control_characters_become_spaces(raw, expected):
    assert label_text(raw) == expected


@pytest.mark.parametrize("code_point", [*range(0x00, 0x20), *range(0x7F, 0xA0)])
def test_every_label_text_passes_the_contracts_series_check(code_point):
    text = label_text(f"Toner{chr(code_point)}Cartridge")
    assert series_problem("itops_printer_supply_level_ratio", {"supply": text}) is None


def test_long_text_is_cut_to_the_label_limit():
    assert label_text("x" * 500) == "x" * LABEL_MAX_CHARS
