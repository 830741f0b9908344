"""Device strings through ``display_text``: every rendering of an OCTET STRING seen from devices, tools and
recorders, and every interpreter's reading of a description or name going through it."""

import pytest
from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import environment, generic, network, printer
from itops.agent.inputs.snmp.interpreters.text import display_text
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import load_walk

DUMPED_CARTRIDGE = b"Black Cartridge \n48 50 20 43 46 32 31 30 41 00"  # 16 characters, newline, hex pairs, NUL


@pytest.mark.parametrize("raw, text", [
    (DUMPED_CARTRIDGE, "Black Cartridge HP CF210A"),
    (b"GigabitEthernet0\n2F 30 2F 31 00", "GigabitEthernet0/0/1"),
    (b"Smart-UPS 1500 R\n4D 20 46 57 3A 20 36 35 39 2E 31 38 2E 49 \n00 ", "Smart-UPS 1500 RM FW: 659.18.I"),
    # verbatim from printers/jetdirect_m130nw (HP's device id OID): two control bytes, then the model
    (b"\x01\x15HP LaserJet MF\n50 20 4D 31 33 30 6E 77 ", "\x01\x15HP LaserJet MFP M130nw"),
    (b"0x426C61636B20546F6E657200", "Black Toner"),
    (b"42 6C 61 63 6B 20 54 6F 6E 65 72 00", "Black Toner"),
    (b"42:6C:61:63:6B", "Black"),
    (b"426C61636B20546F6E6572", "Black Toner"),
    (b"Black Toner\x00\x00\x00", "Black Toner"),
    ("黑色墨粉盒 CF210A".encode("gb18030"), "黑色墨粉盒 CF210A"),
    ("墨粉".encode("gbk"), "墨粉"),
    (("0x" + "机房温度".encode("gb18030").hex()).encode(), "机房温度"),
    ("ブラックトナー".encode(), "ブラックトナー"),
    ("Müller Büro".encode("latin-1"), "Müller Büro"),
    ("Café".encode("latin-1"), "Café"),
    (b"deadbeef", "deadbeef"),  # a name that happens to be hex digits, not text in hex
    (b"4142", "4142"),
    (b"Cyan Toner CAFE", "Cyan Toner CAFE"),
    (b"Lab 1\nRack 2", "Lab 1\nRack 2"),  # a line break that is not a dump
    ("already text", "already text"),
    (None, ""),
], ids=["dump", "dump_interface", "dump_two_lines", "dump_recorded", "0x_hex", "spaced_hex", "colon_hex", "bare_hex",
        "nuls", "gb18030", "gbk", "0x_gb18030", "utf8", "latin1_umlauts", "latin1_single", "hex_like_name",
        "short_hex_like_name", "hex_word_in_text", "plain_newline", "str", "absent"])
def test_display_text(raw, text):
    assert display_text(raw) == text


def label_values(interpreter, walk: Walk, label: str, **having: str) -> set[str]:
    """The values of ``label`` on the series ``interpreter`` reports from ``walk`` that have the labels ``having``."""
    acc = GatherResult({})
    interpreter.interpret(walk, DeviceContext("device", 0.0), acc)
    return {labels[label] for _name, labels, _v, _ts in acc.samples if label in labels and having.items() <= labels.items()}


def test_sys_descr_dump_is_decoded():
    walk = Walk({parse_oid(generic.SYS_DESCR): b"Smart-UPS 1500 R\n4D 20 46 57 3A 20 36 35 39 2E 31 38 2E 49 00"})
    assert label_values(generic, walk, "sys_descr") == {"Smart-UPS 1500 RM FW: 659.18.I"}


@pytest.mark.parametrize("column, other", [(f"{network.IF_ENTRY}.2", f"{network.IFX_ENTRY}.1"),
                                           (f"{network.IFX_ENTRY}.1", f"{network.IF_ENTRY}.2")], ids=["ifDescr", "ifName"])
def test_interface_name_dump_is_decoded(column, other):
    walk = load_walk("switches/tplink_sg2008")
    walk.values[parse_oid(f"{column}.1")] = b"GigabitEthernet0\n2F 30 2F 31 00"
    walk.values.pop(parse_oid(f"{other}.1"), None)
    assert label_values(network, walk, "interface", if_index="1") == {"GigabitEthernet0/0/1"}


def test_supply_description_dump_is_decoded():
    walk = load_walk("printers/jetdirect")
    walk.values[parse_oid("1.3.6.1.2.1.43.11.1.1.6.1.1")] = DUMPED_CARTRIDGE
    assert label_values(printer, walk, "description", supply="1") == {"Black Cartridge HP CF210A"}


def test_sensor_name_in_gb18030_is_decoded():
    walk = load_walk("environment/hwg-ste2")
    first_name = (2,)  # "Datorrum 2", the recording's temperature probe
    walk.values[parse_oid(f"{environment.HWG_SENSOR_TABLES[0].entry}.2") + first_name] = "机房温度".encode("gb18030")
    assert "机房温度" in label_values(environment, walk, "sensor")
