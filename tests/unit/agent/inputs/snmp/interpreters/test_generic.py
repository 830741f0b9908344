"""The generic interpreter on recorded walks: uptime, reboots (and TimeTicks wraps), and the device info gauge."""

from __future__ import annotations

from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.generic import SYS_DESCR, SYS_UPTIME, TIMETICKS_RANGE, interpret
from itops.agent.inputs.snmp.walk import Walk, parse_oid
from tests.snmprec import load_walk

START_S = 1_700_000_000.0


def poll(walk: Walk, device: DeviceContext, now_s: float) -> dict[str, tuple[dict[str, str], float]]:
    device.now_s = now_s
    device.missing = set()
    acc = GatherResult({})
    interpret(walk, device, acc)
    return {name: (labels, value) for name, labels, value, _ts in acc.samples}


def with_uptime(ticks: int) -> Walk:
    return Walk({parse_oid(SYS_UPTIME): ticks})


def test_uptime_is_reported_in_seconds():
    samples = poll(load_walk("printers/brother"), DeviceContext("brother", 0.0), START_S)
    assert samples["itops_snmp_uptime_seconds"] == ({}, 2175397.35)
    assert samples["itops_snmp_device_reboots_total"] == ({}, 0.0)


def test_uptime_going_back_counts_a_reboot():
    device = DeviceContext("d", 0.0)
    poll(with_uptime(500_000), device, START_S)
    samples = poll(with_uptime(3_000), device, START_S + 60)
    assert samples["itops_snmp_device_reboots_total"] == ({}, 1.0)
    assert samples["itops_snmp_uptime_seconds"] == ({}, 30.0)


def test_uptime_growing_is_no_reboot():
    device = DeviceContext("d", 0.0)
    poll(with_uptime(500_000), device, START_S)
    assert poll(with_uptime(506_000), device, START_S + 60)["itops_snmp_device_reboots_total"] == ({}, 0.0)


def test_timeticks_wrapping_after_497_days_is_no_reboot():
    device = DeviceContext("d", 0.0)
    poll(with_uptime(TIMETICKS_RANGE - 1_000), device, START_S)
    samples = poll(with_uptime(5_000), device, START_S + 60)
    assert samples["itops_snmp_device_reboots_total"] == ({}, 0.0)


def test_reboots_keep_counting_across_polls():
    device = DeviceContext("d", 0.0)
    for offset_s, ticks in ((0, 90_000), (60, 1_000), (120, 7_000), (180, 500)):
        samples = poll(with_uptime(ticks), device, START_S + offset_s)
    assert samples["itops_snmp_device_reboots_total"] == ({}, 2.0)


def test_missing_uptime_is_not_reported_and_no_reboot_series():
    device = DeviceContext("d", 0.0)
    samples = poll(Walk(), device, START_S)
    assert "itops_snmp_uptime_seconds" not in samples and "itops_snmp_device_reboots_total" not in samples
    assert device.missing == {"sysUpTime", "sysDescr", "sysName", "sysObjectID", "sysLocation"}


def test_info_gauge_carries_cleaned_system_text():
    samples = poll(load_walk("printers/brother"), DeviceContext("brother", 0.0), START_S)
    assert samples["itops_snmp_device_info"] == ({
        "sys_descr": "Brother NC-8300h, Firmware Ver.1.14 (14.11.06),MID 8C5-F01,FID 2",
        "sys_name": "<private>", "sys_object_id": "1.3.6.1.4.1.2435.2.3.9.1", "sys_location": "<private>",
    }, 1.0)


def test_hex_encoded_sys_descr_with_line_breaks_becomes_one_line():
    # sysDescr of the Huawei VRP switch recording (switches/vrp_s5328c-ei, stored hex-encoded)
    vrp_descr = (b'"S5328C-EI\nHuawei Versatile Routing Platform Software \r\n VRP (R) software,Version 5.110 '
                 b'(S5300 V200R001C00SPC300) \r\n Copyright (C) 2007 Huawei Technologies Co., Ltd."')
    labels, _value = poll(Walk({parse_oid(SYS_DESCR): vrp_descr}), DeviceContext("vrp", 0.0), START_S)["itops_snmp_device_info"]
    assert labels == {"sys_descr": '"S5328C-EI Huawei Versatile Routing Platform Software VRP (R) software,Version 5.110 '
                                   '(S5300 V200R001C00SPC300) Copyright (C) 200'}


def test_missing_sys_location_is_recorded_and_left_out_of_the_info():
    device = DeviceContext("sharp", 0.0)
    walk = load_walk("printers/sharp")
    labels, _value = poll(walk, device, START_S)["itops_snmp_device_info"]
    assert "sys_location" not in labels and device.missing == {"sysLocation"}
