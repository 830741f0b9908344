"""Device text (DisplayString / OCTET STRING) as the words it carries, whichever way it reached us.

Every interpreter reads a description, a name or a label through ``display_text``. It undoes the renderings
devices, SNMP tools and recorders put on an OCTET STRING:

- the part-text, part-hex dump some tools and recorders print for a value with non-printable bytes: the
  first 16 bytes as they are, a newline, then the rest as hex pairs ("Black Cartridge \\n48 50 20 43 46 00");
- a plain hex rendering of the whole value: ``0x426C61636B``, ``426C61636B`` or ``42 6C 61 63 6B``
  (kept as it is when the bytes it stands for are not text);
- NULs (C strings' terminators and padding).

The bytes are then decoded as UTF-8, else GB18030 (the superset of GBK and GB2312 that Chinese printers and
UPS cards send) when that yields Chinese text from whole two-byte characters, else Latin-1, which decodes
every byte.
"""

from __future__ import annotations

import re

from itops.agent.inputs.snmp.walk import SnmpValue

__all__ = ["decoded_bytes", "display_text"]

DUMP_HEAD_BYTES = 16
_HEX_PAIR_LINES = re.compile(rb"(?:[0-9A-Fa-f]{2} ?)+(?:\r?\n(?:[0-9A-Fa-f]{2} ?)+)*\s*")
_PREFIXED_OR_SPACED_HEX = re.compile(rb"0x((?:[0-9A-Fa-f]{2})+)|((?:[0-9A-Fa-f]{2}[ :]){1,}[0-9A-Fa-f]{2})")
_BARE_HEX = re.compile(rb"(?:[0-9A-Fa-f]{2}){4,}")  # only ASCII text counts: "deadbeef" is a name, not hex
_HIGH_BYTE_RUN = re.compile(rb"[\x80-\xff]+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def display_text(value: SnmpValue | None) -> str:
    """The text of a device string: renderings undone, NULs dropped, decoded (see the module)."""
    if value is None:
        return ""
    if not isinstance(value, bytes):
        return str(value)
    return _decode(decoded_bytes(value))


def decoded_bytes(raw: bytes) -> bytes:
    """The bytes the device sent, from any rendering of them, without NULs."""
    return (_undump(raw) or _unhex(raw) or raw).replace(b"\x00", b"")


def _undump(raw: bytes) -> bytes | None:
    head, newline, rest = raw.partition(b"\n")
    if not newline or len(head) != DUMP_HEAD_BYTES or not _HEX_PAIR_LINES.fullmatch(rest):
        return None
    return head + bytes.fromhex(rest.decode("ascii"))


def _unhex(raw: bytes) -> bytes | None:
    stripped = raw.strip()
    marked = _PREFIXED_OR_SPACED_HEX.fullmatch(stripped)
    if marked:
        data = _hex_bytes(marked.group(1) or marked.group(2))
        return data if _is_text(_decode(data)) else None
    if _BARE_HEX.fullmatch(stripped):
        data = _hex_bytes(stripped)
        return data if data.isascii() and _is_text(data.decode("ascii")) else None
    return None


def _hex_bytes(digits: bytes) -> bytes:
    return bytes.fromhex(re.sub(rb"[ :]", b"", digits).decode("ascii")).replace(b"\x00", b"")


def _is_text(text: str) -> bool:
    printable = all(char.isprintable() or char in "\r\n\t" for char in text)
    return printable and sum(char.isalpha() for char in text) >= 2


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _high_byte_runs_are_pairs(data):
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if _CJK.search(text):
                return text
    return data.decode("latin-1")


def _high_byte_runs_are_pairs(data: bytes) -> bool:
    """GB2312 characters are two bytes of 0xA1-0xFE, so Chinese text has runs of high bytes of even length;
    Latin-1 text has single accented letters between ASCII ("M\xfcnchen"), which GBK would also accept."""
    return all(len(run) % 2 == 0 for run in _HIGH_BYTE_RUN.findall(data))
