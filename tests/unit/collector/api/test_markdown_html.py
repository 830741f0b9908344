"""The runbooks' Markdown subset as HTML: each construct, and nothing in the source becomes markup of its own."""

from __future__ import annotations

import re

import pytest

from itops.alerting.dispatch.runbooks import SECTION_HEADINGS, runbook_names, runbook_section
from itops.collector.api.markdown_html import render_markdown

ELEMENTS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "code"}


def test_headings_paragraphs_and_soft_line_breaks():
    assert render_markdown("# Title\n\nfirst line\nsecond line\n\n### Small ###\nafter") == (
        "<h1>Title</h1>\n<p>first line\nsecond line</p>\n<h3>Small</h3>\n<p>after</p>")


def test_bullet_and_numbered_lists_and_a_continued_item():
    assert render_markdown("- one\n* two\n  still two\n1. first\n2) second\n\nend") == (
        "<ul><li>one</li><li>two\nstill two</li></ul>\n<ol><li>first</li><li>second</li></ol>\n<p>end</p>")


def test_bold_with_code_inside_and_code_that_looks_like_bold():
    assert render_markdown("**Confirm `df -h`**: run `a**b**c`") == (
        "<p><strong>Confirm <code>df -h</code></strong>: run <code>a**b**c</code></p>")


@pytest.mark.parametrize("source, shown", [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ('<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"),
    ("`<b>` & **<i>'x'</i>**", "<p><code>&lt;b&gt;</code> &amp; <strong>&lt;i&gt;&#x27;x&#x27;&lt;/i&gt;</strong></p>"),
    ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"),
    ("- <a href='x'>", "<ul><li>&lt;a href=&#x27;x&#x27;&gt;</li></ul>"),
    ("# <h1>", "<h1>&lt;h1&gt;</h1>"),
])
def test_html_in_the_source_is_text(source, shown):
    assert render_markdown(source) == shown


@pytest.mark.parametrize("language", sorted(SECTION_HEADINGS))
def test_every_shipped_runbook_renders_to_the_subset_only(language):
    for name in runbook_names():
        page = render_markdown(runbook_section(name, language))
        tags = set(re.findall(r"</?([a-zA-Z0-9]+)[^>]*>", page))
        assert tags <= ELEMENTS, (name, tags - ELEMENTS)
        assert not re.search(r"<[a-z0-9]+ ", page), f"{name}: an element with attributes"
        assert "**" not in re.sub(r"<code>.*?</code>", "", page), f"{name}: bold left unrendered"
