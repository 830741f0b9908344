"""The runbooks of the shipped rule pack, read from the installed package (``runbooks/`` is shipped as
``itops.runbooks``): ``<Name>.md`` for the rule whose ``runbook`` annotation is ``Name``, each with a
``## 中文`` and a ``## English`` section (see runbooks/README.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import resources

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.dispatch.messages import Language
from itops.alerting.rules.model import Alert
from itops.alerting.rules.loader import Rule

__all__ = ["INDEX_FILE", "SECTION_HEADINGS", "NoSuchRunbook", "runbook_names", "runbook_section", "runbook_text",
           "runbooks_of_alerts"]

RUNBOOK_PACKAGE = "itops.runbooks"
INDEX_FILE = "README.md"  # the list of all runbooks, not one of them
SECTION_HEADINGS: dict[Language, str] = {"zh-CN": "## 中文", "en": "## English"}
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")  # a rule name: never a path


class NoSuchRunbook(LookupError):
    """No runbook of that name (or in that language) is shipped, or the name cannot be one."""


def runbook_names() -> list[str]:
    """The names of every shipped runbook, sorted."""
    files = resources.files(RUNBOOK_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".md") for f in files if f.name.endswith(".md") and f.name != INDEX_FILE)


def runbook_text(name: str) -> str:
    """The whole Markdown file of runbook ``name``."""
    if not _NAME_RE.fullmatch(name) or f"{name}.md" == INDEX_FILE:
        raise NoSuchRunbook(f"{name!r} is no runbook name (letters and digits, as the rule's name)")
    file = resources.files(RUNBOOK_PACKAGE).joinpath(f"{name}.md")
    if not file.is_file():
        raise NoSuchRunbook(f"no runbook {name!r}")
    return file.read_text(encoding="utf-8")


def runbook_section(name: str, language: Language) -> str:
    """The Markdown of runbook ``name`` in ``language``: the lines under its language heading, up to the next
    heading of that level or the end; ``NoSuchRunbook`` naming the file when it lacks that section."""
    heading = SECTION_HEADINGS[language]
    lines = runbook_text(name).splitlines()
    if heading not in lines:
        raise NoSuchRunbook(f"runbooks/{name}.md: no {heading!r} section")
    body = lines[lines.index(heading) + 1:]
    ends = next((number for number, line in enumerate(body) if line.startswith("## ")), len(body))
    return "\n".join(body[:ends]).strip() + "\n"


def runbooks_of_alerts(fingerprints: Sequence[str], held: Iterable[Alert], rules: Iterable[Rule],
                       history: AlertHistory) -> dict[str, list[str]]:
    """Runbook name → those of ``fingerprints`` whose alert names it, in the order given: an alert still
    ``held`` by its ``runbook`` annotation; one already forgotten (resolved a while ago) by its rule's, rendered
    with the labels it fired with. An alert whose rule names no runbook, or is gone, counts for none."""
    annotations = {alert.fingerprint: alert.annotations for alert in held}
    by_name = {rule.name: rule for rule in rules}
    past = history.labels_of([f for f in fingerprints if f not in annotations])
    found: dict[str, list[str]] = {}
    for fingerprint in fingerprints:
        if fingerprint in annotations:
            name = annotations[fingerprint].get("runbook")
        else:
            labels = past.get(fingerprint, {})
            rule = by_name.get(labels.get("alertname", ""))
            template = rule.annotations.get("runbook") if rule is not None else None
            name = template.render(None, labels) if template is not None else None
        if name:
            found.setdefault(name, []).append(fingerprint)
    return found
