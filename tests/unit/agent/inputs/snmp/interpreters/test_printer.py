"""The printer profile interpreter against the 16 printer recordings, and against recordings changed to
show one quirk at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from itops.agent.checks import CheckStatus
from itops.agent.inputs.snmp import profile as profile_module
from itops.agent.inputs.snmp.interpreters.printer_supplies import SUPPLY_STATES
from itops.agent.inputs.snmp.profile import load_profiles
from itops.agent.inputs.snmp.walk import Walk
from tests.unit.agent.inputs.snmp.interpreters.printer_helpers import (
    PRINTER_RECORDINGS,
    check,
    poll,
    printer_walk,
    reported_supplies,
    samples,
    set_supply,
    set_value,
    supply_state,
    value,
)

from tests.snmprec import RECORDINGS, load_walk

COLUMN_CLASS, COLUMN_TYPE, COLUMN_DESCRIPTION, COLUMN_UNIT, COLUMN_MAX, COLUMN_LEVEL = 4, 5, 6, 7, 8, 9
COLORANT_VALUE = "1.3.6.1.2.1.43.12.1.1.4.1"
COLORANT_INDEX = 3
PROFILES_DIR = Path(profile_module.__file__).parent / "profiles"


def supply_check(acc, supply: str):
    result = check(acc, "printer_supply", supply)
    return CheckStatus(result.status), result.message


# --- What each recording says, supply by supply: (supply index, state, remaining or fill ratio or None) ---

EXPECTED_SUPPLIES = {
    "brother": [("1", "some_remaining", None), ("2", "ok", 11501 / 12000)],
    "brother_hl5370dw": [("2", "some_remaining", None), ("3", "ok", 17208 / 25000)],
    "canonprinter_lbp": [("1", "ok", 0.70)],
    "dell-laser_s5830dn": [("1", "ok", 22050 / 45000), ("2", "ok", 0.72), ("3", "ok", 0.83), ("4", "ok", 0.89)],
    "epson": [("1", "low", 0.01), ("2", "low", 0.01), ("3", "low", 0.01), ("4", "low", 0.01)],
    "fujifilmprinter_c7580": [("2", "ok", 1.0), ("5", "some_remaining", None), ("6", "ok", 287100 / 290000),
                              ("30", "ok", 1.0), ("31", "ok", 20700 / 23000)],
    "jetdirect": [("1", "ok", 0.54), ("2", "ok", 0.44), ("3", "ok", 0.76), ("4", "ok", 0.71)],
    "jetdirect_m130nw": [("1", "ok", 0.28), ("5", "ok", 0.71)],
    "jetdirect_m252dw": [("1", "ok", 0.63), ("4", "ok", 0.36)],
    "konica": [("1", "ok", 0.29), ("11", "ok", 0.20), ("13", "some_remaining", None), ("17", "ok", 0.45)],
    "konica_c250i": [("1", "ok", 0.76), ("4", "ok", 0.86), ("13", "some_remaining", None)],
    "okilan_9450g": [("1", "ok", 0.59), ("5", "ok", 28407 / 30000), ("9", "ok", 78392 / 80000), ("10", "ok", 98842 / 100000)],
    "ricoh_mpc3002": [("1", "ok", 0.40), ("2", "ok", 0.0), ("3", "ok", 0.20)],
    "samsungprinter_m4080fx": [("1", "ok", 17600 / 20000), ("2", "ok", 67066 / 90000), ("7", "ok", 181069 / 200000)],
    "sharp": [("2", "ok", 0.19), ("5", "some_remaining", None), ("14", "unknown", None)],
    "xerox": [("1", "ok", 1060 / 5300), ("5", "ok", 0.50), ("10", "nearly_full", 0.95)],
}
RECEPTACLES = {("fujifilmprinter_c7580", "5"), ("konica", "13"), ("konica_c250i", "13"), ("ricoh_mpc3002", "2"),
               ("sharp", "5"), ("xerox", "10")}


def test_every_recording_has_expectations():
    assert sorted(EXPECTED_SUPPLIES) == PRINTER_RECORDINGS


@pytest.mark.parametrize("name", PRINTER_RECORDINGS)
def test_recording_supplies_read_as_a_person_would(name):
    acc, _ = poll(printer_walk(name))
    for supply, state, ratio in EXPECTED_SUPPLIES[name]:
        assert supply_state(acc, supply) == state, supply
        receptacle = (name, supply) in RECEPTACLES
        ratio_name = "itops_printer_supply_fill_ratio" if receptacle else "itops_printer_supply_remaining_ratio"
        other_name = "itops_printer_supply_remaining_ratio" if receptacle else "itops_printer_supply_fill_ratio"
        assert samples(acc, other_name, supply=supply) == []
        if ratio is None:
            assert samples(acc, ratio_name, supply=supply) == []
        else:
            assert value(acc, ratio_name, supply=supply) == pytest.approx(ratio, abs=1e-9)


@pytest.mark.parametrize("name", PRINTER_RECORDINGS)
def test_smoke_every_supply_has_exactly_one_state(name):
    acc, _ = poll(printer_walk(name))
    supplies = reported_supplies(acc)
    assert supplies
    for supply in supplies:
        assert supply_state(acc, supply) in SUPPLY_STATES
        assert len(samples(acc, "itops_printer_supply_state", supply=supply)) == len(SUPPLY_STATES)
        check(acc, "printer_supply", supply)
    check(acc, "printer_status")


# --- Levels, capacities and sentinels ---

def test_level_minus3_is_some_remaining():
    acc, _ = poll(printer_walk("brother"))
    assert supply_state(acc, "1") == "some_remaining"
    assert samples(acc, "itops_printer_supply_remaining_ratio", supply="1") == []
    assert samples(acc, "itops_printer_supply_level", supply="1") == []
    assert supply_check(acc, "1") == (CheckStatus.OK, "Black Toner Cartridge: some left, amount not measured")


def test_level_minus2_is_unknown_not_low():
    acc, _ = poll(printer_walk("sharp"))
    assert supply_state(acc, "14") == "unknown"
    assert supply_check(acc, "14") == (CheckStatus.UNKNOWN, "Fusing Unit: level unknown")


def test_level_minus1_other_is_unknown():
    walk = printer_walk("jetdirect")
    set_supply(walk, COLUMN_LEVEL, 2, -1)
    acc, _ = poll(walk)
    assert supply_state(acc, "2") == "unknown"
    assert samples(acc, "itops_printer_supply_remaining_ratio", supply="2") == []


def test_max_capacity_minus2_with_percent_unit():
    walk = printer_walk("jetdirect_m252dw")  # prtMarkerSuppliesSupplyUnit 19 = percent
    set_supply(walk, COLUMN_MAX, 4, -2)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="4") == 0.36
    assert samples(acc, "itops_printer_supply_max_capacity", supply="4") == []
    assert value(acc, "itops_printer_supply_level", supply="4", unit="percent") == 36


def test_max_capacity_minus2_without_percent_unit_has_no_ratio():
    acc, _ = poll(printer_walk("sharp"))  # Waste Toner: level 100, max -2, no unit column
    assert samples(acc, "itops_printer_supply_fill_ratio", supply="5") == []
    assert supply_state(acc, "5") == "some_remaining"
    assert value(acc, "itops_printer_supply_level", supply="5", unit="unknown") == 100


def test_absolute_capacities_give_exact_ratios():
    acc, _ = poll(printer_walk("dell-laser_s5830dn"))
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="1") == 0.49
    assert value(acc, "itops_printer_supply_max_capacity", supply="1") == 45000
    assert value(acc, "itops_printer_supply_level", supply="1") == 22050
    acc, _ = poll(printer_walk("samsungprinter_m4080fx"))
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="1") == 0.88


def test_absolute_capacity_in_tenths_of_grams():
    walk = printer_walk("dell-laser_s5830dn")
    set_supply(walk, COLUMN_UNIT, 1, 13)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_level", supply="1", unit="tenthsOfGrams") == 22050
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="1") == 0.49


def test_low_supply_is_a_warning():
    acc, _ = poll(printer_walk("epson"))
    assert supply_state(acc, "1") == "low"
    assert supply_check(acc, "1") == (CheckStatus.WARNING, "Black Ink Supply Unit T9441/T9451/T9461: low, 1% left")


def test_low_threshold_is_ten_percent():
    walk = printer_walk("jetdirect")
    set_supply(walk, COLUMN_LEVEL, 1, 10)
    set_supply(walk, COLUMN_LEVEL, 2, 11)
    acc, _ = poll(walk)
    assert (supply_state(acc, "1"), supply_state(acc, "2")) == ("low", "ok")


@pytest.mark.parametrize("name, supply, state, ratio_name, ratio", [
    ("jetdirect", "3", "empty", "itops_printer_supply_remaining_ratio", 0.0),
    ("ricoh_mpc3002", "2", "full", "itops_printer_supply_fill_ratio", 1.0),
], ids=["consumed_supply_is_empty", "receptacle_is_full"])
def test_level_zero_is_critical(name, supply, state, ratio_name, ratio):
    walk = printer_walk(name)
    set_supply(walk, COLUMN_LEVEL, int(supply), 0)
    acc, _ = poll(walk)
    assert supply_state(acc, supply) == state
    assert value(acc, ratio_name, supply=supply) == ratio
    assert CheckStatus(check(acc, "printer_supply", supply).status) is CheckStatus.CRITICAL


# --- Receptacles fill up ---

def test_waste_toner_reports_fill():
    acc, _ = poll(printer_walk("ricoh_mpc3002"))  # Waste Toner: 100 of 100 space left
    assert value(acc, "itops_printer_supply_fill_ratio", supply="2") == 0.0
    assert samples(acc, "itops_printer_supply_remaining_ratio", supply="2") == []
    assert check(acc, "printer_supply", "2").message == "Waste Toner: ok, 0% full"


def test_waste_toner_nearly_full_is_a_warning():
    acc, _ = poll(printer_walk("xerox"))  # Waste Toner Container: 5 of 100 space left, found by its name (no type column)
    assert value(acc, "itops_printer_supply_fill_ratio", supply="10") == pytest.approx(0.95)
    assert supply_check(acc, "10") == (CheckStatus.WARNING, "Waste Toner Container, PN 008R13061: nearly full, 95% full")


def test_receptacle_level_minus3_has_space_left():
    acc, _ = poll(printer_walk("konica_c250i"))
    assert supply_state(acc, "13") == "some_remaining"
    assert check(acc, "printer_supply", "13").message == "Waste Toner Box: some space left, amount not measured"


def test_supply_class_receptacle_is_filled():
    walk = printer_walk("jetdirect_m252dw")  # class column present: 3 = consumed
    set_supply(walk, COLUMN_CLASS, 4, 4)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_fill_ratio", supply="4") == pytest.approx(0.64)


# --- Indices, duplicates, descriptions, colours ---

def test_gaps_in_supply_indices():
    acc, _ = poll(printer_walk("fujifilmprinter_c7580"))
    assert reported_supplies(acc) == ["2", "3", "4", "5", "6", "7", "8", "9", "30", "31"]


def test_supply_reported_twice_is_reported_once():
    acc, _ = poll(printer_walk("brother_hl5370dw"))  # "Black Toner Cartridge" at level 0 and at -3, no lowToner/noToner
    assert reported_supplies(acc) == ["2", "3"]
    assert supply_state(acc, "2") == "some_remaining"


def test_duplicate_descriptions_are_made_distinct():
    walk = printer_walk("jetdirect_m252dw")
    for supply, colour in enumerate((b"black", b"cyan", b"magenta", b"yellow"), 1):
        set_supply(walk, COLUMN_DESCRIPTION, supply, b"Toner Cartridge")
        set_value(walk, f"{COLORANT_VALUE}.{supply}", colour)
    acc, _ = poll(walk)
    descriptions = {labels["supply"]: (labels["description"], labels["colour"]) for labels, _ in samples(acc, "itops_printer_supply_remaining_ratio")}
    assert descriptions == {"1": ("Toner Cartridge #1", "black"), "2": ("Toner Cartridge #2", "cyan"),
                            "3": ("Toner Cartridge #3", "magenta"), "4": ("Toner Cartridge #4", "yellow")}


def test_colour_from_colorant_table():
    walk = printer_walk("jetdirect_m252dw")  # prtMarkerSuppliesColorantIndex 1..4, but no colorant table recorded
    set_value(walk, f"{COLORANT_VALUE}.4", b"yellow\x00")
    set_supply(walk, COLUMN_DESCRIPTION, 4, b"HP CF402X")
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_state", supply="4", colour="yellow", state="ok") == 1


def test_colour_from_description():
    acc, _ = poll(printer_walk("konica"))
    colours = {labels["supply"]: labels.get("colour") for labels, _ in samples(acc, "itops_printer_supply_remaining_ratio")}
    assert [colours[supply] for supply in ("1", "2", "3", "4", "14")] == ["cyan", "magenta", "yellow", "black", None]


def test_type_by_name():
    acc, _ = poll(printer_walk("sharp"))
    types = {labels["supply"]: labels["type"] for labels, _ in samples(acc, "itops_printer_supply_state")}
    assert [types[supply] for supply in ("1", "5", "6", "10", "14")] == ["toner", "wasteToner", "opc", "developer", "fuser"]


@pytest.mark.parametrize("raw, expected", [
    (b"426C61636B20546F6E6572", "Black Toner"),
    (b"42 6C 61 63 6B 20 54 6F 6E 65 72 00", "Black Toner"),
    (b"Black Toner\x00\x00\x00", "Black Toner"),
    (b"Black\r\nToner\x07", "Black Toner"),
    ("ブラックトナー".encode(), "ブラックトナー"),
    (b"Cyan Toner CAFE", "Cyan Toner CAFE"),
], ids=["hex", "spaced_hex_with_nul", "trailing_nuls", "control_chars", "utf8", "hex_word_in_text"])
def test_description_is_cleaned(raw, expected):
    walk = printer_walk("jetdirect")
    set_supply(walk, COLUMN_DESCRIPTION, 1, raw)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="1", description=expected) == 0.54


def test_garbled_description_falls_back_to_type_and_colour():
    walk = printer_walk("jetdirect_m252dw")
    set_value(walk, f"{COLORANT_VALUE}.1", b"black")
    set_supply(walk, COLUMN_DESCRIPTION, 1, b"\xff\xfe\x81\x82\x83\x84")
    set_supply(walk, COLUMN_TYPE, 1, 21)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_supply_remaining_ratio", supply="1", description="Black toner cartridge") == 0.63


def test_serial_numbers_are_stripped_from_descriptions():
    acc, _ = poll(printer_walk("samsungprinter_m4080fx"))
    assert check(acc, "printer_supply", "1").message.startswith("Black Toner Cartridge: ")
    assert check(acc, "printer_supply", "2").message.startswith("Fuser: ")
    acc, _ = poll(printer_walk("xerox"))
    assert check(acc, "printer_supply", "1").message.startswith("Black Toner, PN 006R01509: ")


def test_no_supplies_table_is_not_reported():
    walk = printer_walk("brother")
    for oid in [oid for oid in walk.values if oid[:9] == (1, 3, 6, 1, 2, 1, 43, 11, 1)]:
        del walk.values[oid]
    acc, device = poll(walk)
    assert "prtMarkerSuppliesTable" in device.missing
    assert samples(acc, "itops_printer_supply_state") == []


# --- Profile selection ---

def matches_printer_profile(walk: Walk) -> bool:
    printer = load_profiles([PROFILES_DIR]).by_name["printer"]
    descr = walk.get("1.3.6.1.2.1.1.1.0") or b""
    return printer.matches(str(walk.get("1.3.6.1.2.1.1.2.0") or ""), descr.decode("utf-8", "replace"),
                           lambda probe: bool(walk.column(probe)))


@pytest.mark.parametrize("name", PRINTER_RECORDINGS)
def test_printer_profile_matches_every_printer(name):
    assert matches_printer_profile(printer_walk(name))


@pytest.mark.parametrize("path", sorted(path for group in ("ups", "environment")
                                        for path in (RECORDINGS / group).glob("*.snmprec")), ids=lambda path: path.stem)
def test_printer_profile_matches_no_other_device(path):
    assert not matches_printer_profile(load_walk(f"{path.parent.name}/{path.stem}"))
