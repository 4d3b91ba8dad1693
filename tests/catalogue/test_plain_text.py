"""The search index's text of a Markdown body, read from the parser's tokens, is exactly the text
of the rendered page (the HTML, tags stripped, entities decoded, spaces collapsed), which is how
it was made before: pinned on every section body of the seed and on generated Markdown."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nh3
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kampus.catalogue.search import plain_text
from kampus.content import markdown_words, render_markdown

SEED = Path(__file__).resolve().parents[2] / "seed" / "catalogue"


def words_of_the_page(markdown: str) -> str:
    """The text of render_markdown's HTML as a reader sees it (the index's text before)."""
    stripped = nh3.clean(str(render_markdown(markdown)), tags=set())
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


def seed_bodies() -> list[str]:
    bodies = []
    for path in sorted(SEED.glob("*.yaml")):
        for module in yaml.safe_load(path.read_text(encoding="utf-8")).get("modules") or []:
            for section in module.get("sections") or []:
                body = section.get("body")
                bodies += list(body.values()) if isinstance(body, dict) else [body]
    return bodies


@pytest.mark.slow
def test_every_seed_body_gives_the_words_of_its_page():
    bodies = seed_bodies()
    assert len(bodies) > 100
    assert [markdown_words(body) for body in bodies] == [words_of_the_page(body) for body in bodies]
    assert plain_text(bodies[0]) == words_of_the_page(bodies[0])


@pytest.mark.parametrize(
    "markdown",
    [
        "# Otsikko\n\nKappale *kursiivi* ja **lihava**, `koodi` ja [linkki](http://example.org 'otsikko').",
        "- a\n- b\n  - c\n\n1. yksi\n2. kaksi\n\n> lainaus\n> jatkuu",
        "| a | b |\n|---|:-:|\n| 1 | **2** |\n| x |",
        "```python\nprint('<b>')\n```\n\n    sisennetty koodi\n\n---\n\nOtsikko\n=======",
        "![kuva](x.png) ja <b>raaka</b> &copy; &amp;amp; \\* &nbsp; &foo; <http://example.org>",
        "rivi  \nkatko\\\nja pehmeä\nrivinvaihto",
        "[viite][1]\n\n[1]: http://example.org",
        "[ohjelma](javascript:alert(1)) <script>alert(1)</script>",
        "",
    ],
)
def test_markdown_features_give_the_words_of_the_page(markdown):
    assert markdown_words(markdown) == words_of_the_page(markdown)


pieces = st.sampled_from(
    [
        "*",
        "**",
        "_",
        "`",
        "[",
        "]",
        "(",
        ")",
        "!",
        "<",
        ">",
        "&",
        "&amp;",
        "&copy;",
        "&#35;",
        "\\",
        "#",
        "- ",
        "1. ",
        "> ",
        "|",
        "---",
        "===",
        "```",
        "    ",
        "\n",
        "\n\n",
        "  \n",
        "\t",
        "\xa0",
        "http://e.org",
        "<http://e.org>",
        "a",
        "sana",
        "ä",
        " ",
        "\r\n",
        "'",
        '"',
        "~",
        "\x00",
        "\x0c",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces | st.text(max_size=5), max_size=30).map("".join))
@example("a\n\n***b***\n- [x](y)\n  | c |")
def test_any_text_gives_the_words_of_its_page(markdown):
    assert markdown_words(markdown) == words_of_the_page(markdown)
