"""What learners see of authored Markdown carries no active content, whatever an author types."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kampus.content import render_markdown
from tests.authoring.payloads import PAYLOADS

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background"}


class Elements(HTMLParser):
    """Every real element and attribute of an HTML fragment (escaped text is text, not markup)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def problems(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    found = []
    for tag, attrs in parser.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"element <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                found.append(f"attribute {name} on <{tag}>")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES and re.match(r"(javascript|data|vbscript):", squeezed):
                found.append(f"{name}={value!r} on <{tag}>")
    if re.search(r"<\s*script", html, re.I):
        found.append("<script")
    return found


def test_there_are_at_least_thirty_payloads():
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_removes_active_content(payload):
    for source in (
        payload,
        f"# {payload}",
        f"[link]({payload})",
        f"Teksti {payload} ja **lihava**",
        f"- {payload}\n- toinen",
        f"> {payload}",
    ):
        html = str(render_markdown(source))
        assert problems(html) == [], (source, html)


def test_links_keep_safe_urls_and_get_rel_noopener():
    html = str(render_markdown("[Kampus](https://example.fi) ja [posti](mailto:a@example.fi)"))
    assert 'href="https://example.fi"' in html and 'rel="noopener noreferrer"' in html
    assert 'href="mailto:a@example.fi"' in html


def test_the_checker_itself_sees_active_content():
    assert problems('<a href=" javascript:alert(1)">x</a>') and problems("<img src=x onerror=alert(1)>")
    assert problems("<script>x</script>") and problems("<p>&lt;script&gt;</p>") == []
