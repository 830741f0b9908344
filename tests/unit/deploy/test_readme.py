"""deploy/README.md and deploy/windows/README.md link only to files that exist and to headings they have, and the
config the walk-through writes passes the collector's loader."""

from __future__ import annotations

import pathlib
import re

import pytest

from itops.collector.config import load_collector_config

from .images import ROOT

READMES = [ROOT / "deploy" / "README.md", ROOT / "deploy" / "windows" / "README.md"]
_LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", text, flags=re.DOTALL), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_links_lead_somewhere(readme):
    text = readme.read_text()
    for link in _LINK_RE.findall(text):
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target = (readme.parent / path) if path else readme
        assert target.exists(), f"{readme.name} links to missing {link}"
        if anchor:
            assert anchor in _anchors(target.read_text()), f"{readme.name} links to missing heading {link}"


def test_the_files_the_readme_lists_exist():
    text = READMES[0].read_text()
    table = text[:text.index("## 0. Plan")]
    listed = re.findall(r"^\| `([^`]+)`", table, re.MULTILINE) + re.findall(r", `([^`]+)` \|", table)
    assert len(listed) >= 8
    for name in listed:
        assert (READMES[0].parent / name).exists(), name


def test_configs_written_in_the_walk_through_pass_the_loaders(tmp_path):
    written = re.findall(r"cat > (/etc/itops/\S+\.yaml) <<'EOF'\n(.*?)\nEOF\n", READMES[0].read_text(), re.DOTALL)
    assert [path for path, _ in written] == ["/etc/itops/collector.yaml"]
    for path, text in written:
        copy = tmp_path / pathlib.PurePath(path).name
        copy.write_text(text)
        config = load_collector_config(str(copy))
        assert config.auth.secure_cookie and not config.enrollment.bearer_tokens
