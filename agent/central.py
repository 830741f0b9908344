"""Inputs assigned to this agent at the collector (central configuration), fetched and validated here.

The collector sends YAML in the form of the agent's own ``inputs:``; it is validated against the same
models as the local config file, so a wrong option is reported as ``collector:<version>:line: field:
problem`` in the check ``central_config`` and the previous inputs keep running.
"""

from __future__ import annotations

import msgspec

from itops.agent.config import InputConfigUnion, check_input_names
from itops.agent.identity import AgentIdentity
from itops.agent.inputs import INPUTS
from itops.v1 import ingest_pb2, ingest_pb2_grpc
from itops.common.yaml_config import load_text

__all__ = ["fetch_assigned_inputs", "parse_assigned_inputs"]


class AssignedInputs(msgspec.Struct, forbid_unknown_fields=True):
    inputs: list[InputConfigUnion] = []  # type: ignore[valid-type]


def fetch_assigned_inputs(identity: AgentIdentity, known_version: str) -> ingest_pb2.AssignedInputs:
    """One call on a channel of its own (blocking; run it in a worker thread)."""
    with identity.open_channel([]) as channel:
        return ingest_pb2_grpc.IngestStub(channel).GetAssignedInputs(
            ingest_pb2.AssignedInputsRequest(known_version=known_version),
            timeout=identity.timeout_s, metadata=identity.metadata)


def parse_assigned_inputs(reply: ingest_pb2.AssignedInputs, local_names: frozenset[str]) -> list:
    """The assigned inputs as config models; ConfigError naming the line of the served YAML and the field."""
    return load_text(
        reply.inputs_yaml or "inputs: []", AssignedInputs, file=f"collector:{reply.version}",
        choices={"inputs[].type": list(INPUTS.names())},
        check=lambda assigned: check_input_names(assigned.inputs, "inputs", taken=local_names),
    ).inputs
