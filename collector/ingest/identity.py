"""Whose data a batch is: the agent its credential proves, the host it speaks for, the devices it polls.

The rule (proto/README.md, "Identity"): a label that names the sender — `host`, `agent_id` — must name the
credential's own host or agent, and a `device` or `clock` must be one this agent polls; otherwise the
whole batch is refused with PERMISSION_DENIED naming the label. An agent's host is the `hostname` of its
credential in the collector config, or else the hostname it registered first (Hello, or the `host` label of
its first batch); no host belongs to two agents. A device belongs to the first agent that reports it until
an admin gives it to another (`devices` of a credential).

Only a series key not seen before from that agent is looked at, so the steady state costs one subset test
per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from itops.collector.ingest.agent_credentials import AgentCredential
from itops.collector.records.agent_register import AgentRegister
from itops.collector.ingest.validation import ValidBatch, shown

__all__ = ["Claims", "IdentityRefused", "IdentityRegister"]

HOST_LABEL = "host"
AGENT_ID_LABEL = "agent_id"
OWNED_LABELS = ("device", "clock")  # what an agent polls: SNMP devices, attendance clocks
MAX_CHECKED_KEYS = 1_000_000

LabelsOf = Callable[[str], tuple[str, dict[str, str]]]


class IdentityRefused(Exception):
    """The batch or Hello claims someone else's identity; ``str(exc)`` names the field and the owner."""


@dataclass
class Claims:
    """What a batch claims for the first time; persisted before its data."""

    hostname: str | None = None
    devices: dict[str, None] = field(default_factory=dict)  # an ordered set: a batch may name 100,000 devices

    def __bool__(self) -> bool:
        return self.hostname is not None or bool(self.devices)


class IdentityRegister:
    def __init__(self, credentials: Iterable[AgentCredential], state: AgentRegister):
        self._state = state
        self._checked_keys: dict[str, set[str]] = {}
        self._checked_count = 0
        self.update_credentials(credentials)

    def update_credentials(self, credentials: Iterable[AgentCredential]) -> None:
        """The hosts and devices the config gives to agents (again, on a reload), over those claimed before; every
        key is checked anew against them."""
        credentials = list(credentials)
        self._host_of = {**self._state.bound_hosts(), **{c.id: c.hostname for c in credentials if c.hostname}}
        self._agent_of_host = {host: agent for agent, host in self._host_of.items()}
        self._owner_of = {**self._state.device_owners(), **{d: c.id for c in credentials for d in c.devices}}
        self._checked_keys.clear()
        self._checked_count = 0

    def host_of(self, agent_id: str) -> str | None:
        return self._host_of.get(agent_id)

    def check_hello(self, agent_id: str, hostname: str) -> Claims:
        """The claims of a Hello naming ``hostname``, or IdentityRefused."""
        claims = Claims()
        self._check_host(agent_id, hostname, "hostname", claims)
        self._commit(agent_id, claims)
        return claims

    def check_batch(self, agent_id: str, valid: ValidBatch, labels_of: LabelsOf) -> Claims:
        """The claims of a validated batch, or IdentityRefused naming the first label that is not the agent's."""
        claims = Claims()
        checked = self._checked_keys.setdefault(agent_id, set())
        new_keys = [] if checked.issuperset(valid.keys) else [(i, k) for i, k in enumerate(valid.keys) if k not in checked]
        for index, key in new_keys:
            self._check_labels(agent_id, labels_of(key)[1], f"samples.series[{index}] {shown(key)}", claims)
        for index, check in enumerate(valid.checks):
            labels = {label.name: label.value for label in check.labels}
            self._check_labels(agent_id, labels, f"checks[{index}].labels (target {shown(check.target)})", claims)
        self._commit(agent_id, claims)
        self._remember(checked, [key for _, key in new_keys])
        return claims

    def _check_labels(self, agent_id: str, labels: dict[str, str], where: str, claims: Claims) -> None:
        if AGENT_ID_LABEL in labels and labels[AGENT_ID_LABEL] != agent_id:
            raise IdentityRefused(f"{where}: label {AGENT_ID_LABEL} is {shown(labels[AGENT_ID_LABEL])}, "
                                  f"but this credential is agent {agent_id!r}")
        if HOST_LABEL in labels:
            self._check_host(agent_id, labels[HOST_LABEL], f"{where}: label {HOST_LABEL}", claims)
        for label in OWNED_LABELS:
            if label in labels:
                self._check_device(agent_id, labels[label], f"{where}: label {label}", claims)

    def _check_host(self, agent_id: str, hostname: str, where: str, claims: Claims) -> None:
        bound = self._host_of.get(agent_id, claims.hostname)
        if bound is None:
            owner = self._agent_of_host.get(hostname)
            if owner is not None:
                raise IdentityRefused(f"{where} is {shown(hostname)}, the host of agent {owner!r}")
            claims.hostname = hostname
        elif hostname != bound:
            raise IdentityRefused(f"{where} is {shown(hostname)}, but agent {agent_id!r} speaks for host {bound!r} "
                                  f"(set `hostname` of its credential in the collector config to move it)")

    def _check_device(self, agent_id: str, device: str, where: str, claims: Claims) -> None:
        owner = self._owner_of.get(device)
        if owner is None:
            claims.devices[device] = None
        elif owner != agent_id:
            raise IdentityRefused(f"{where} is {shown(device)}, which agent {owner!r} polls "
                                  f"(list it in `devices` of agent {agent_id!r}'s credential to move it)")

    def _commit(self, agent_id: str, claims: Claims) -> None:
        """Taken at once, on the event loop: a concurrent batch of another agent sees the claim."""
        if claims.hostname is not None:
            self._host_of[agent_id] = claims.hostname
            self._agent_of_host[claims.hostname] = agent_id
        for device in claims.devices:
            self._owner_of[device] = agent_id

    def _remember(self, checked: set[str], new_keys: list[str]) -> None:
        if self._checked_count + len(new_keys) > MAX_CHECKED_KEYS:  # bound memory; keys are checked anew once
            for keys in self._checked_keys.values():
                keys.clear()
            self._checked_count = 0
        checked.update(new_keys)
        self._checked_count += len(new_keys)
