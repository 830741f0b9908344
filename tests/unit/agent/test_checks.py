from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus, report_check


def test_check_is_reported_as_result_state_set_and_duration():
    acc = GatherResult({"host": "h"}, clock=lambda: 5.0)
    report_check(acc, "tcp_connect", "db:5432", CheckStatus.CRITICAL, "connection refused", 0.25, {"service": "erp"})
    result = acc.checks[0]
    assert (result.check, result.target, result.status, result.message) == ("tcp_connect", "db:5432", 2, "connection refused")
    states = {labels["status"]: value for name, labels, value, _ in acc.samples if name == "itops_check_status"}
    assert states == {"ok": 0.0, "warning": 0.0, "critical": 1.0, "unknown": 0.0}
    duration = [(labels, value) for name, labels, value, _ in acc.samples if name == "itops_check_duration_seconds"]
    assert duration == [({"host": "h", "service": "erp", "check": "tcp_connect", "target": "db:5432"}, 0.25)]
