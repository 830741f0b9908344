import pytest

from itops.agent.config import load_agent_config
from itops.agent.inputs import INPUTS
from itops.common.yaml_config import ConfigError

MINIMAL = "collector:\n  address: 127.0.0.1:9717\n  token: t\n"


def _load(tmp_path, text):
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return load_agent_config(str(path))


def test_defaults_fill_a_minimal_config(tmp_path):
    config = _load(tmp_path, MINIMAL)
    assert config.interval == 15 and config.buffer.enabled and config.buffer.limit == 256 * 2**20
    assert config.batch.max_samples == 1000 and config.batch.max_age == 10
    assert config.resolved_labels()["host"] == config.resolved_hostname()
    assert config.resolved_agent_id() == config.resolved_hostname()


def test_inputs_are_typed_by_their_type_field(tmp_path):
    config = _load(tmp_path, MINIMAL + "inputs:\n  - type: host\n    interval: 1m\n    per_cpu: false\n")
    assert config.inputs[0].interval == 60 and config.inputs[0].per_cpu is False


def test_unknown_input_type_names_the_line_and_the_known_types(tmp_path):
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, MINIMAL + "inputs:\n  - type: hots\n")
    assert (error.value.line, error.value.field) == (5, "inputs[0].type")
    assert error.value.problem == f"invalid value 'hots'; expected one of: {', '.join(INPUTS.names())}"
    assert "host" in INPUTS.names()


def test_two_inputs_with_the_same_name_are_refused(tmp_path):
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, MINIMAL + "inputs:\n  - type: host\n  - type: host\n")
    assert (error.value.line, error.value.field) == (6, "inputs[1]")
    assert "already named 'host'" in error.value.problem


def test_a_token_is_required(tmp_path):
    with pytest.raises(ConfigError, match="needs `token` or `token_file`"):
        _load(tmp_path, "collector:\n  address: 127.0.0.1:9717\n")


def test_unreadable_token_file_is_a_config_error(tmp_path):
    config = _load(tmp_path, "collector:\n  address: a:1\n  token_file: /nonexistent/token\n")
    with pytest.raises(ConfigError, match="collector.token_file: cannot read"):
        config.read_token()


def test_buffer_limit_accepts_human_sizes_and_rejects_nonsense(tmp_path):
    assert _load(tmp_path, MINIMAL + "buffer:\n  limit: 1GiB\n").buffer.limit == 2**30
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, MINIMAL + "buffer:\n  limit: lots\n")
    assert (error.value.line, error.value.field) == (5, "buffer.limit")
