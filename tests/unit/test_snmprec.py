from tests.snmprec import RECORDINGS, UNREADABLE_LINES, load_walk


def test_every_recording_loads_and_only_the_known_corrupt_lines_are_left_out():
    # okilan: a Counter32 reading "6git3159"; vrp: odd-length hex in a Huawei private table (1.3.6.1.4.1.2011.5.25.42).
    names = sorted(str(p.relative_to(RECORDINGS).with_suffix("")) for p in RECORDINGS.rglob("*.snmprec"))
    assert len(names) >= 31
    for name in names:
        assert len(load_walk(name)) > 0, name
    assert {name: len(lines) for name, lines in UNREADABLE_LINES.items() if lines} == {
        "printers/okilan_9450g": 1, "switches/vrp_s5328c-ei": 20}


def test_values_are_typed_like_the_poller_sees_them():
    walk = load_walk("printers/brother")
    assert walk.get("1.3.6.1.2.1.1.2.0") == "1.3.6.1.4.1.2435.2.3.9.1"
    assert walk.get("1.3.6.1.2.1.1.3.0") == 217539735
    assert walk.get("1.3.6.1.2.1.43.11.1.1.6.1.1") == b"Black Toner Cartridge"
