"""Printer status (hrDeviceStatus, hrPrinterStatus, hrPrinterDetectedErrorState) and the page counter,
from the printer recordings and from recordings changed to show one case at a time."""

from __future__ import annotations

from itops.agent.checks import CheckStatus
from tests.unit.agent.inputs.snmp.interpreters.printer_helpers import check, poll, printer_walk, samples, set_value, value

ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"
DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5.1"


def status_check(acc):
    result = check(acc, "printer_status")
    return CheckStatus(result.status), result.message


def active_conditions(acc) -> list[str]:
    return [labels["condition"] for labels, found in samples(acc, "itops_printer_condition") if found == 1]


# --- hrPrinterDetectedErrorState, hrDeviceStatus, hrPrinterStatus ---

def test_error_state_one_byte():
    walk = printer_walk("brother")
    set_value(walk, ERROR_STATE, b"\x20")
    acc, _ = poll(walk)
    assert active_conditions(acc) == ["lowToner"]
    assert len(samples(acc, "itops_printer_condition")) == 15


def test_error_state_two_bytes():
    walk = printer_walk("dell-laser_s5830dn")
    set_value(walk, ERROR_STATE, b"\x80\x12")
    acc, _ = poll(walk)
    assert active_conditions(acc) == ["lowPaper", "outputNearFull", "overduePreventMaint"]
    assert status_check(acc) == (CheckStatus.WARNING, "low paper, output nearly full, preventive maintenance overdue")


def test_error_state_zero_is_no_conditions():
    acc, _ = poll(printer_walk("brother"))
    assert active_conditions(acc) == []
    assert status_check(acc) == (CheckStatus.OK, "no problems reported")


def test_error_state_empty_is_no_conditions():
    acc, device = poll(printer_walk("epson"))  # empty string, hrDeviceStatus warning(3)
    assert active_conditions(acc) == []
    assert len(samples(acc, "itops_printer_condition")) == 15
    assert "hrPrinterDetectedErrorState" not in device.missing
    assert status_check(acc) == (CheckStatus.WARNING, "printer status warning")


def test_error_state_missing_is_not_reported():
    acc, device = poll(printer_walk("canonprinter_lbp"))
    assert "hrPrinterDetectedErrorState" in device.missing
    assert samples(acc, "itops_printer_condition") == []
    assert status_check(acc) == (CheckStatus.OK, "no problems reported (error conditions not reported)")


def test_sharp_reports_low_toner():
    acc, _ = poll(printer_walk("sharp"))
    assert active_conditions(acc) == ["lowToner"]
    assert value(acc, "itops_printer_condition", condition="lowToner") == 1
    assert status_check(acc) == (CheckStatus.WARNING, "low toner")


def test_samsung_reports_low_paper():
    acc, _ = poll(printer_walk("samsungprinter_m4080fx"))
    assert active_conditions(acc) == ["lowPaper"]
    assert status_check(acc) == (CheckStatus.WARNING, "low paper")


def test_critical_conditions_in_plain_words():
    walk = printer_walk("brother")
    set_value(walk, ERROR_STATE, b"\x2c")
    acc, _ = poll(walk)
    assert status_check(acc) == (CheckStatus.CRITICAL, "low toner, door open, paper jam")


def test_service_requested_follows_device_status():
    walk = printer_walk("konica_c250i")  # 0x01 serviceRequested with hrDeviceStatus warning(3)
    acc, _ = poll(walk)
    assert active_conditions(acc) == ["serviceRequested"]
    assert status_check(acc) == (CheckStatus.WARNING, "service requested")
    set_value(walk, DEVICE_STATUS, 5)
    acc, _ = poll(walk)
    assert status_check(acc) == (CheckStatus.CRITICAL, "service requested")


def test_device_and_printer_status_state_sets():
    walk = printer_walk("epson")
    set_value(walk, "1.3.6.1.2.1.25.3.5.1.1.1", 4)
    acc, device = poll(walk)
    device_states = {labels["state"]: found for labels, found in samples(acc, "itops_printer_device_status")}
    assert device_states == {"unknown": 0, "running": 0, "warning": 1, "testing": 0, "down": 0}
    printer_states = {labels["state"]: found for labels, found in samples(acc, "itops_printer_status")}
    assert printer_states == {"other": 0, "unknown": 0, "idle": 0, "printing": 1, "warmup": 0}
    assert "hrPrinterStatus" not in device.missing


def test_printer_status_missing_is_not_reported():
    acc, device = poll(printer_walk("brother"))
    assert "hrPrinterStatus" in device.missing
    assert samples(acc, "itops_printer_status") == []


def test_device_down_is_critical():
    walk = printer_walk("brother")
    set_value(walk, DEVICE_STATUS, 5)
    acc, _ = poll(walk)
    assert status_check(acc) == (CheckStatus.CRITICAL, "printer status down")


def test_no_status_at_all_is_unknown():
    acc, device = poll(printer_walk("xerox"))
    assert {"hrDeviceStatus", "hrPrinterStatus", "hrPrinterDetectedErrorState"} <= device.missing
    assert status_check(acc) == (CheckStatus.UNKNOWN, "the printer reports neither hrDeviceStatus nor hrPrinterDetectedErrorState")


def test_printer_row_is_the_hr_device_printer():
    walk = printer_walk("dell-laser_s5830dn")  # five hrDevice rows; row 1 is the printer
    set_value(walk, "1.3.6.1.2.1.25.3.2.1.5.2", 5)
    acc, _ = poll(walk)
    assert value(acc, "itops_printer_device_status", state="running") == 1


# --- Page counter ---

def test_page_counter():
    acc, _ = poll(printer_walk("ricoh_mpc3002"))
    assert value(acc, "itops_printer_pages_total", marker="1") == 271871
    acc, _ = poll(printer_walk("sharp"))
    assert value(acc, "itops_printer_pages_total", marker="1") == 121104


def test_page_counter_missing_is_not_reported():
    acc, device = poll(printer_walk("brother"))
    assert "prtMarkerLifeCount" in device.missing
    assert samples(acc, "itops_printer_pages_total") == []


def test_page_counter_in_meters_is_not_pages():
    walk = printer_walk("ricoh_mpc3002")
    set_value(walk, "1.3.6.1.2.1.43.10.2.1.3.1.1", 17)
    acc, _ = poll(walk)
    assert samples(acc, "itops_printer_pages_total") == []
