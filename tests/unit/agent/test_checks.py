import pytest

from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckMessage, CheckStatus, report_check, worst_status

DECLARED: dict[str, CheckMessage] = {}  # not the agent's register, which the collector's catalogue is held against
REFUSED = CheckMessage("test_checks.refused", "connection refused on {port}", DECLARED)
SLOW = CheckMessage("test_checks.slow", "{seconds:.1f} s to answer, clock {drift_s:offset}", DECLARED)


def test_check_is_reported_as_result_state_set_and_duration():
    acc = GatherResult({"host": "h"}, clock=lambda: 5.0)
    report_check(acc, "tcp_connect", "db:5432", CheckStatus.CRITICAL, REFUSED(port=5432), 0.25, {"service": "erp"})
    result = acc.checks[0]
    assert (result.check, result.target, result.status, result.message) == ("tcp_connect", "db:5432", 2,
                                                                             "connection refused on 5432")
    assert [(part.key, dict(part.args)) for part in result.message_parts] == [("test_checks.refused", {"port": "5432"})]
    states = {labels["status"]: value for name, labels, value, _ in acc.samples if name == "itops_check_status"}
    assert states == {"ok": 0.0, "warning": 0.0, "critical": 1.0, "unknown": 0.0}
    duration = [(labels, value) for name, labels, value, _ in acc.samples if name == "itops_check_duration_seconds"]
    assert duration == [({"host": "h", "service": "erp", "check": "tcp_connect", "target": "db:5432"}, 0.25)]


def test_a_message_of_several_findings_travels_as_parts_and_as_joined_english():
    acc = GatherResult({}, clock=lambda: 5.0)
    report_check(acc, "tcp_connect", "db:5432", CheckStatus.WARNING, [REFUSED(port=5432), SLOW(seconds=2.25, drift_s=-600.0)])
    result = acc.checks[0]
    assert result.message == "connection refused on 5432; 2.2 s to answer, clock 10 min slow"
    assert [dict(part.args) for part in result.message_parts] == [{"port": "5432"}, {"seconds": "2.25", "drift_s": "-600.0"}]


def test_a_key_is_declared_once_and_a_plain_string_is_refused():
    with pytest.raises(ValueError, match="'test_checks.refused' is declared twice"):
        CheckMessage("test_checks.refused", "again", DECLARED)
    with pytest.raises(TypeError, match="a message is said in CheckMessage parts"):
        report_check(GatherResult({}), "tcp_connect", "db:5432", CheckStatus.OK, "free text")


@pytest.mark.parametrize("statuses, worst", [
    ((), CheckStatus.OK),
    ((CheckStatus.OK, CheckStatus.UNKNOWN), CheckStatus.UNKNOWN),
    ((CheckStatus.UNKNOWN, CheckStatus.WARNING), CheckStatus.WARNING),
    ((CheckStatus.CRITICAL, CheckStatus.UNKNOWN, CheckStatus.WARNING), CheckStatus.CRITICAL),
])
def test_worst_status_ranks_unknown_above_ok_and_below_any_problem(statuses, worst):
    assert worst_status(statuses) is worst
