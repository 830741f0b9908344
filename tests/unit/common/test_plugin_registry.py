"""PluginKind finds the plugin folders of a package, in name order, and imports a plugin's code only when asked."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from itops.common.plugin_registry import PluginKind, PluginParts, plugin_name

KIND_PACKAGE = "itops_test_plugin_kind"


def _write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _write_plugin(kind_folder: Path, name: str, title: str) -> None:
    _write(kind_folder / name / "__init__.py", f"""
        from itops.common.plugin_registry import PluginParts

        PLUGIN = PluginParts(config="{title}Config", implementation="{title}Thing")
    """)
    _write(kind_folder / name / "config.py", f"""
        import msgspec

        from itops.common.plugin_registry import plugin_name


        class {title}Config(msgspec.Struct, tag_field="type", tag=plugin_name(__name__)):
            size: int = 1
    """)
    _write(kind_folder / name / f"{name}.py", f"""
        class {title}Thing:
            pass
    """)


@pytest.fixture
def kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginKind]:
    """A kind with the plugins ``zebra`` and ``aardvark`` (written in that order), a helper module and a
    sub-package that declares no PLUGIN."""
    folder = tmp_path / KIND_PACKAGE
    _write(folder / "__init__.py")
    _write_plugin(folder, "zebra", "Zebra")
    _write_plugin(folder, "aardvark", "Aardvark")
    _write(folder / "helpers.py", "SHARED = 1\n")
    _write(folder / "shared" / "__init__.py", '"""Code the plugins share; not a plugin."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield PluginKind(KIND_PACKAGE)
    for module in [name for name in sys.modules if name == KIND_PACKAGE or name.startswith(KIND_PACKAGE + ".")]:
        del sys.modules[module]


def test_the_plugins_are_the_folders_declaring_plugin_in_name_order(kind: PluginKind):
    assert kind.names() == ("aardvark", "zebra")
    assert kind.plugins["zebra"].parts == PluginParts(config="ZebraConfig", implementation="ZebraThing")
    assert kind.plugins["zebra"].package == f"{KIND_PACKAGE}.zebra"
    assert kind.plugins["zebra"].folder.name == "zebra"


def test_config_models_come_in_name_order_tagged_with_their_folders_name(kind: PluginKind):
    models = kind.config_models()
    assert [model.__name__ for model in models] == ["AardvarkConfig", "ZebraConfig"]
    assert [model.__struct_config__.tag for model in models] == ["aardvark", "zebra"]


def test_an_implementation_is_imported_only_when_asked_for(kind: PluginKind):
    kind.config_models()
    assert f"{KIND_PACKAGE}.zebra.config" in sys.modules
    assert f"{KIND_PACKAGE}.zebra.zebra" not in sys.modules
    assert kind.implementation_class("zebra").__name__ == "ZebraThing"
    assert f"{KIND_PACKAGE}.zebra.zebra" in sys.modules
    assert f"{KIND_PACKAGE}.aardvark.aardvark" not in sys.modules


def test_an_unknown_name_is_no_plugin(kind: PluginKind):
    with pytest.raises(KeyError):
        kind.implementation_class("helpers")


def test_plugin_name_is_the_folder_a_module_is_in():
    assert plugin_name("itops.agent.inputs.host.config") == "host"
    assert plugin_name("itops.alerting.notifiers.dingtalk.dingtalk") == "dingtalk"
