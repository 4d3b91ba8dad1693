"""Authored Markdown rendered for learners: markdown-it-py, then cleaned by nh3.

Raw HTML in the source is not rendered; whatever markup results is cleaned to
an allow-list, so no script, event handler or ``javascript:``/``data:`` URL
survives. Links get ``rel="noopener noreferrer"``. :func:`markdown_words` gives the
words of the same rendering without building it (the search index's text).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

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
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


def render_markdown(source: str | None) -> Markup:
    """Safe HTML for ``source``; headings start at h2 because the page has its own h1."""
    html = _md.render(source or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)


_SPACE = re.compile(r"\s+")
#: Inline tokens whose text a reader sees; everything else (tags, images) shows no text.
_TEXT_TOKENS = {"text", "text_special", "code_inline"}
_BREAK_TOKENS = {"softbreak", "hardbreak"}


def markdown_words(source: str | None) -> str:
    """The text a reader sees in :func:`render_markdown`'s HTML, spaces collapsed: no markup,
    no link addresses, no image (the allow-list drops ``<img>`` and its alt text).

    Read from the parser's tokens instead of the HTML: the rendering puts a line break
    between any two blocks, and nothing between the pieces of one line.
    """
    parts: list[str] = []
    for token in _md.parse(source or ""):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in _TEXT_TOKENS:
                    parts.append(child.content)
                elif child.type in _BREAK_TOKENS:
                    parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(" " + token.content + " ")
        else:
            parts.append(" ")
    return _SPACE.sub(" ", "".join(parts)).strip()
