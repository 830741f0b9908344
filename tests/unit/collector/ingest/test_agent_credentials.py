import pytest

from itops.collector.ingest.agent_credentials import (
    SELF_AGENT_ID,
    AgentCredential,
    TokenAuthenticator,
    check_agent_credentials,
    new_token,
    token_sha256,
)
from itops.common.yaml_config import FieldProblem


def test_a_token_identifies_exactly_its_agent():
    first, second = new_token(), new_token()
    authenticator = TokenAuthenticator([AgentCredential(id="pc-1", token_sha256=token_sha256(first)),
                                        AgentCredential(id="pc-2", token_sha256=token_sha256(second))])
    assert authenticator.agent_for((("authorization", f"Bearer {first}"),)) == "pc-1"
    assert authenticator.agent_for((("x-itops-agent-id", "pc-1"), ("authorization", f"Bearer {second}"))) == "pc-2"


def test_missing_malformed_or_unknown_tokens_identify_nobody():
    token = new_token()
    authenticator = TokenAuthenticator([AgentCredential(id="pc-1", token_sha256=token_sha256(token))])
    assert authenticator.agent_for(None) is None
    assert authenticator.agent_for((("authorization", token),)) is None
    assert authenticator.agent_for((("authorization", "Bearer " + token[:-1]),)) is None
    assert authenticator.agent_for((("x-itops-agent-id", "pc-1"),)) is None


def test_new_tokens_are_long_and_distinct():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and min(len(t) for t in tokens) >= 40


def test_tokens_carry_the_itops_prefix_so_a_command_line_never_reads_one_as_an_option():
    assert all(new_token().startswith("itops_") for _ in range(200))


def test_the_collectors_own_agent_id_is_reserved():
    agents = [AgentCredential(id="pc-1", token_sha256=token_sha256(new_token())),
              AgentCredential(id=SELF_AGENT_ID, token_sha256=token_sha256(new_token()))]
    with pytest.raises(FieldProblem) as refused:
        check_agent_credentials(agents)
    assert refused.value.field == "agents[1].id"
    assert "'itops-collector' is reserved" in str(refused.value) and "another id" in str(refused.value)
