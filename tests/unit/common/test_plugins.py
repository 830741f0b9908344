"""Every plugin of every kind — agent inputs, storage backends, notification channels, outputs — has one shape: a folder
with ``__init__.py`` declaring PLUGIN, ``config.py``, ``<name>.py``, a ``sample.yaml`` that loads into its config
model and a ``README.md``; the model's tag is the folder's name, and the configuration reference documents it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import pytest
import yaml

from itops.agent.inputs import INPUTS
from itops.agent.inputs.base import Input, InputConfig
from itops.alerting.notifiers import NOTIFIERS
from itops.alerting.notifiers.base import Notifier, NotifierConfig
from itops.collector.outputs import OUTPUTS
from itops.collector.outputs.base import Output, OutputConfig
from itops.collector.storage import STORAGE_BACKENDS
from itops.collector.storage.base import StorageBackend, StorageConfig
from itops.common.plugin_registry import Plugin, PluginKind
from itops.common.yaml_config import ConfigError, load_file

ROOT = Path(__file__).resolve().parents[3]
CONFIGURATION_REFERENCE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
README_MIN_CHARS = 400  # a paragraph saying what it does and an example or an options table


@dataclass(frozen=True)
class Kind:
    registry: PluginKind
    config_base: type
    implementation_base: type
    readme_noun: str  # "# host input"
    reference_title: str  # the plugin's section in docs/configuration.md

    def load_sample(self, path: Path) -> object:
        """Load one plugin's entry as its config file does: into the union of the kind's models, with the
        accepted types listed, so a problem reads ``file:line: field: problem``."""
        return load_file(path, Union[self.registry.config_models()], choices={"type": list(self.registry.names())})


KINDS = (
    Kind(INPUTS, InputConfig, Input, "input", "Agent input `type: {name}`"),
    Kind(STORAGE_BACKENDS, StorageConfig, StorageBackend, "storage backend", "Storage `type: {name}`"),
    Kind(NOTIFIERS, NotifierConfig, Notifier, "notifier", "Notification channel `type: {name}`"),
    Kind(OUTPUTS, OutputConfig, Output, "output", "Output `type: {name}`"),
)
PLUGINS = [pytest.param(kind, plugin, id=f"{kind.registry.package}.{name}")
           for kind in KINDS for name, plugin in kind.registry.plugins.items()]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.registry.package)
def test_every_kind_has_plugins(kind: Kind):
    assert kind.registry.names()


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_folder_has_every_part(kind: Kind, plugin: Plugin):
    parts = ("__init__.py", "config.py", f"{plugin.name}.py", "sample.yaml", "README.md")
    assert [part for part in parts if not (plugin.folder / part).is_file()] == []


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_config_models_tag_is_the_folder_name(kind: Kind, plugin: Plugin):
    model = plugin.config_model()
    assert issubclass(model, kind.config_base)
    assert (model.__struct_config__.tag_field, model.__struct_config__.tag) == ("type", plugin.name)
    assert model.__module__ == f"{plugin.package}.config"


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_implementation_is_in_the_module_named_like_the_folder(kind: Kind, plugin: Plugin):
    implementation = plugin.implementation_class()
    assert issubclass(implementation, kind.implementation_base)
    assert implementation.__module__ == f"{plugin.package}.{plugin.name}"


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_sample_loads_into_the_config_model(kind: Kind, plugin: Plugin):
    sample = plugin.folder / "sample.yaml"
    assert isinstance(kind.load_sample(sample), plugin.config_model())
    # A kind with one plugin so far takes an entry without ``type``; its sample must still show it.
    assert yaml.safe_load(sample.read_text(encoding="utf-8"))["type"] == plugin.name


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_readme_says_what_the_plugin_is(kind: Kind, plugin: Plugin):
    heading, _, text = (plugin.folder / "README.md").read_text(encoding="utf-8").partition("\n")
    assert heading == f"# {plugin.name} {kind.readme_noun}"
    assert len(text.strip()) >= README_MIN_CHARS


@pytest.mark.parametrize("kind, plugin", PLUGINS)
def test_the_configuration_reference_has_its_section(kind: Kind, plugin: Plugin):
    assert f"\n## {kind.reference_title.format(name=plugin.name)}\n" in CONFIGURATION_REFERENCE


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.registry.package)
def test_a_wrong_sample_is_reported_by_file_line_and_field(kind: Kind, tmp_path: Path):
    """The loading above is the one a user's mistake goes through: a misspelt type names its line and the types
    there are."""
    plugin = next(iter(kind.registry.plugins.values()))
    sample = (plugin.folder / "sample.yaml").read_text(encoding="utf-8")
    type_line = next(number for number, line in enumerate(sample.splitlines(), 1) if line.startswith("type:"))
    broken = tmp_path / "sample.yaml"
    broken.write_text(re.sub(r"(?m)^type: .*$", "type: misspelt", sample), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        kind.load_sample(broken)
    assert str(caught.value).startswith(f"{broken}:{type_line}: type: invalid value 'misspelt'; expected one of: ")
    assert caught.value.problem.endswith(", ".join(kind.registry.names()))
