"""The ping input, run in a throwaway network namespace so ``net.ipv4.ping_group_range`` can be set for the
test without touching the host's setting: once allowing unprivileged ICMP sockets, once not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.ping.config import PingConfig
from itops.agent.inputs.ping.ping import PingInput
from itops.common.yaml_config import ConfigError, load_text

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
ALLOW_EVERY_GROUP = "0 2147483647"
ALLOW_NO_GROUP = "1 0"

GATHER_AND_PRINT = """
import json, sys
from itops.agent.batcher import GatherResult
from itops.agent.inputs.ping.config import PingConfig
from itops.agent.inputs.ping.ping import PingInput
acc = GatherResult({})
PingInput(PingConfig(**json.loads(sys.argv[1]))).gather(acc)
print(json.dumps({
    "checks": [[c.target, c.status, c.message] for c in acc.checks],
    "samples": [[name, labels["target"], value] for name, labels, value, _ in acc.samples if name.startswith("itops_ping_")],
}))
"""

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a network namespace with its own sysctls needs root")


def ping_in_namespace(ping_group_range: str, ignore_echo: bool = False, **config) -> dict:
    """Gather in a new network namespace with only loopback, up, and the given sysctls."""
    setup = (f"ip link set lo up && echo '{ping_group_range}' > /proc/sys/net/ipv4/ping_group_range"
             f" && echo {int(ignore_echo)} > /proc/sys/net/ipv4/icmp_echo_ignore_all")
    completed = subprocess.run(
        ["unshare", "--net", "sh", "-c", f'{setup} && exec "$0" -c "$1" "$2"', sys.executable, GATHER_AND_PRINT, json.dumps(config)],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return json.loads(completed.stdout)


def statuses(result: dict) -> list[tuple[str, str]]:
    return [(target, STATUS_NAMES[status]) for target, status, _ in result["checks"]]


@needs_root
def test_loopback_answers_every_echo_request_over_ipv4_and_ipv6():
    result = ping_in_namespace(ALLOW_EVERY_GROUP, hosts=["127.0.0.1", "::1"], count=3, packet_interval=0.01)
    assert statuses(result) == [("127.0.0.1", "OK"), ("::1", "OK")]
    assert result["checks"][0][2].startswith("3 of 3 replies, average round trip ")
    losses = {target: value for name, target, value in result["samples"] if name == "itops_ping_loss_ratio"}
    rtts = {target: value for name, target, value in result["samples"] if name == "itops_ping_rtt_seconds"}
    assert losses == {"127.0.0.1": 0.0, "::1": 0.0}
    assert all(0 < rtt < 0.1 for rtt in rtts.values()) and set(rtts) == {"127.0.0.1", "::1"}


@needs_root
def test_host_that_never_answers_is_critical_with_full_loss():
    result = ping_in_namespace(ALLOW_EVERY_GROUP, ignore_echo=True, hosts=["127.0.0.1"], count=2, packet_interval=0.01, reply_timeout=0.1)
    assert result["checks"] == [["127.0.0.1", 2, "no reply to 2 echo requests within 0.1s each"]]
    assert result["samples"] == [["itops_ping_loss_ratio", "127.0.0.1", 1.0]]


@needs_root
def test_unreachable_network_is_critical():
    result = ping_in_namespace(ALLOW_EVERY_GROUP, hosts=["192.0.2.1"], count=1)
    assert result["checks"] == [["192.0.2.1", 2, "cannot send echo requests: Network is unreachable"]]


@needs_root
def test_icmp_sockets_not_allowed_is_unknown_and_says_what_to_set():
    result = ping_in_namespace(ALLOW_NO_GROUP, hosts=["127.0.0.1"], count=1)
    assert result["checks"] == [["127.0.0.1", 3,
        f"unprivileged ICMP sockets are not allowed for the agent's group (gid {os.getgid()}; "
        'net.ipv4.ping_group_range is "1 0"): set the sysctl to a range that includes it, e.g. '
        '`sysctl -w net.ipv4.ping_group_range="0 2147483647"` and the same line in /etc/sysctl.d/']]
    assert result["samples"] == []


def test_some_loss_above_the_tolerated_ratio_is_warning():
    acc = GatherResult({})
    status, message = PingInput(PingConfig(hosts=["printer"], count=4, max_loss_ratio=0.25)).judge(acc, "printer", [0.002, 0.004], 0.01)
    assert (STATUS_NAMES[status], "; ".join(part.text for part in message)) == ("WARNING", "2 of 4 replies, average round trip 3.000 ms; loss 50% above the tolerated 25%")
    assert [(name, value) for name, _, value, _ in acc.samples] == [("itops_ping_loss_ratio", 0.5), ("itops_ping_rtt_seconds", 0.003)]


def test_loss_within_the_tolerated_ratio_is_ok():
    status, _ = PingInput(PingConfig(hosts=["printer"], count=4, max_loss_ratio=0.25)).judge(GatherResult({}), "printer", [0.002] * 3, 0.01)
    assert STATUS_NAMES[status] == "OK"


def test_unresolvable_host_is_critical():
    acc = GatherResult({})
    PingInput(PingConfig(hosts=["no-such-host.invalid"], count=1)).gather(acc)
    assert [(c.status, c.message.split(":")[0]) for c in acc.checks] == [(2, "cannot resolve the host name")]


def test_count_out_of_range_is_a_config_error():
    with pytest.raises(ConfigError, match=r"agent.yaml:1: count: expected `int` <= 100"):
        load_text("{type: ping, hosts: [a], count: 1000}", PingConfig, "agent.yaml")
