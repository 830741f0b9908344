"""Profile files: loading shipped and user profiles, file:line errors, and selection of a device's profile."""

from __future__ import annotations

import pytest

from itops.agent.inputs.snmp.config import SHIPPED_PROFILES_DIR
from itops.agent.inputs.snmp.interpreters import generic, interpreters
from itops.agent.inputs.snmp.profile import Profile, ProfileMatch, ProfileSet, load_profiles
from itops.common.yaml_config import ConfigError

from tests.snmprec import load_walk

FAX = "name: fax\ndescription: Fax machines\ninterpreter: generic\npriority: 70\nmatch:\n  sys_descr: ['(?i)fax']\n"


def names(profiles: list[Profile]) -> list[str]:
    return [profile.name for profile in profiles]


def profile_set(*profiles: Profile) -> ProfileSet:
    generic_profile = Profile(name="generic", description="every device", interpreter="generic")
    everything = {p.name: p for p in (generic_profile, *profiles)}
    return ProfileSet(everything, {name: generic.interpret for name in everything})


def loading_error(tmp_path, name: str, text: str) -> str:
    (tmp_path / f"{name}.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_profiles([SHIPPED_PROFILES_DIR, tmp_path])
    return str(caught.value)


def test_shipped_profiles_load_with_their_interpreters():
    profiles = load_profiles([SHIPPED_PROFILES_DIR])
    assert profiles.generic.get[:3] == ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"]
    assert profiles.interpreters["generic"] is generic.interpret
    assert set(profiles.by_name) == {path.stem for path in SHIPPED_PROFILES_DIR.glob("*.yaml")}


def test_user_profile_is_added(tmp_path):
    (tmp_path / "fax.yaml").write_text(FAX)
    profiles = load_profiles([SHIPPED_PROFILES_DIR, tmp_path])
    assert profiles.by_name["fax"].priority == 70


def test_user_profile_replaces_shipped_one_of_the_same_name(tmp_path):
    (tmp_path / "generic.yaml").write_text("name: generic\ndescription: mine\ninterpreter: generic\nget: [1.3.6.1.2.1.1.3.0]\n")
    assert load_profiles([SHIPPED_PROFILES_DIR, tmp_path]).generic.get == ["1.3.6.1.2.1.1.3.0"]


def test_bad_oid_is_reported_with_file_and_line(tmp_path):
    message = loading_error(tmp_path, "fax", FAX + "walk:\n  - 1.3.6.1.2.1.43\n  - ifTable\n")
    assert message.startswith(f"{tmp_path / 'fax.yaml'}:9: walk[1]: expected `str` matching regex")


def test_bad_regular_expression_is_reported_with_file_and_line(tmp_path):
    message = loading_error(tmp_path, "fax", FAX.replace("'(?i)fax'", "'fax('"))
    assert message == (f"{tmp_path / 'fax.yaml'}:5: match: sys_descr 'fax(' is not a regular expression: "
                       "missing ), unterminated subpattern at position 3")


def test_unknown_option_is_reported_with_file_and_line(tmp_path):
    message = loading_error(tmp_path, "fax", FAX + "walks: [1.3.6.1.2.1.43]\n")
    assert message.startswith(f"{tmp_path / 'fax.yaml'}:7: walks: unknown option")


def test_unknown_interpreter_is_reported_with_file_and_line(tmp_path):
    message = loading_error(tmp_path, "fax", FAX.replace("interpreter: generic", "interpreter: telefax"))
    assert message == f"{tmp_path / 'fax.yaml'}:3: interpreter: no interpreter named 'telefax' in itops.agent.inputs.snmp.interpreters"


def test_a_module_the_interpreters_share_is_no_interpreter(tmp_path):
    message = loading_error(tmp_path, "fax", FAX.replace("interpreter: generic", "interpreter: readings"))
    assert message == f"{tmp_path / 'fax.yaml'}:3: interpreter: no interpreter named 'readings' in itops.agent.inputs.snmp.interpreters"


def test_every_interpreter_reads_a_shipped_profile():
    shipped = load_profiles([SHIPPED_PROFILES_DIR]).by_name.values()
    assert sorted({profile.interpreter for profile in shipped}) == list(interpreters())


def test_profile_named_differently_from_its_file_is_an_error(tmp_path):
    message = loading_error(tmp_path, "telefax", FAX)
    assert message == f"{tmp_path / 'telefax.yaml'}:1: name: is 'fax'; a profile's file must be named after it (fax.yaml)"


def test_missing_profiles_directory_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="profiles directory does not exist"):
        load_profiles([SHIPPED_PROFILES_DIR, tmp_path / "nowhere"])


def test_nothing_matching_selects_generic():
    profiles = profile_set(Profile(name="printer", description="", interpreter="generic", match=ProfileMatch(sys_descr=["(?i)printer"])))
    assert names(profiles.select("1.3.6.1.4.1.9.1.1", "Cisco IOS", set())) == ["generic"]


def test_sys_object_id_prefix_matches_whole_arcs_only():
    brother = Profile(name="brother", description="", interpreter="generic", match=ProfileMatch(sys_object_id=["1.3.6.1.4.1.2435"]))
    profiles = profile_set(brother)
    assert names(profiles.select("1.3.6.1.4.1.2435.2.3.9.1", "", set())) == ["brother"]
    assert names(profiles.select("1.3.6.1.4.1.2435", "", set())) == ["brother"]
    assert names(profiles.select("1.3.6.1.4.1.24350.1", "", set())) == ["generic"]


def test_sys_descr_regular_expression_is_searched():
    ups = Profile(name="ups", description="", interpreter="generic", match=ProfileMatch(sys_descr=[r"(?i)\bups\b"]))
    assert names(profile_set(ups).select("1.3.6.1.4.1.1", "SNMP card for Huawei UPS 2000", set())) == ["ups"]


def test_oid_present_matches_when_the_device_answered_under_it():
    ups = Profile(name="ups", description="", interpreter="generic", match=ProfileMatch(oid_present=["1.3.6.1.2.1.33.1.1"]))
    profiles = profile_set(ups)
    assert profiles.probe_oids() == ["1.3.6.1.2.1.33.1.1"]
    assert names(profiles.select("1.3.6.1.4.1.1", "", {"1.3.6.1.2.1.33.1.1"})) == ["ups"]
    assert names(profiles.select("1.3.6.1.4.1.1", "", set())) == ["generic"]


def test_highest_priority_match_comes_first_and_others_only_by_their_tables():
    network = Profile(name="network", description="", interpreter="generic", priority=20, match=ProfileMatch(sys_descr=["(?i)switch"]))
    printer = Profile(name="printer", description="", interpreter="generic", priority=50, match=ProfileMatch(oid_present=["1.3.6.1.2.1.43"]))
    sensors = Profile(name="sensors", description="", interpreter="generic", priority=10, match=ProfileMatch(oid_present=["1.3.6.1.4.1.318.1.1.25"]))
    profiles = profile_set(network, printer, sensors)
    assert names(profiles.select("1.3.6.1.4.1.1", "print switch", {"1.3.6.1.2.1.43"})) == ["printer"]
    assert names(profiles.select("1.3.6.1.4.1.1", "switch", {"1.3.6.1.4.1.318.1.1.25"})) == ["network", "sensors"]
    assert names(profiles.select("1.3.6.1.4.1.1", "", {"1.3.6.1.2.1.43", "1.3.6.1.4.1.318.1.1.25"})) == ["printer", "sensors"]


def test_apc_ups_card_with_a_probe_gets_ups_and_environment():
    # the real AP9631 recording: PowerNet UPS objects and one probe ("Equipment Room") in uioSensorStatusTable
    profiles = load_profiles([SHIPPED_PROFILES_DIR])
    walk = load_walk("ups/apc_smt750x-nmc2")
    present = {probe for probe in profiles.probe_oids() if walk.column(probe)}
    assert set(names(profiles.select(walk.get("1.3.6.1.2.1.1.2.0"), "", present))) == {"ups", "environment"}
