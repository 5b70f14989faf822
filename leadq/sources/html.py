"""Small helpers over selectolax's lexbor parser shared by the HTML sources.

selectolax (lexbor) parses a 400 kB search page in a few milliseconds, an
order of magnitude faster than BeautifulSoup's html.parser (scripts/bench-scrape).
"""

from __future__ import annotations

import json
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from leadq.errors import ParseError
from leadq.sources.text import clean

#: Tags that start a new line when a node is turned into text.
BLOCK_TAGS = "br, hr, p, div, li, tr, h1, h2, h3, h4, h5, h6, ul, ol, table"
#: Containers whose end also ends a line (text right after a list starts afresh).
CLOSING_TAGS = "ul, ol, table, p, div"


def parse_html(html: str) -> LexborHTMLParser:
    """Parse page text; a page that is not text at all is a ``ParseError``."""
    if not isinstance(html, str):
        raise ParseError("page is not text")
    return LexborHTMLParser(html)


def text_of(node: LexborNode | None) -> str | None:
    """Whitespace-collapsed text of ``node``; None when the node or its text is missing."""
    if node is None:
        return None
    return clean(node.text(deep=True))


def multiline_text(node: LexborNode) -> str | None:
    """Text of ``node`` keeping line breaks where the HTML breaks lines.

    Mutates ``node`` (inserts newlines): callers pass a node of a tree they own.
    """
    for block in node.css(BLOCK_TAGS):
        block.insert_before("\n")
    for block in node.css(CLOSING_TAGS):
        block.insert_after("\n")
    lines = [" ".join(line.split()) for line in node.text(deep=True).splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip() or None


def attr(node: LexborNode | None, name: str) -> str | None:
    """An attribute's stripped value; None when missing or empty."""
    if node is None:
        return None
    value = node.attributes.get(name)
    return value.strip() or None if value else None


def json_ld(tree: LexborHTMLParser, selector: str = 'script[type="application/ld+json"]') -> list[Any]:
    """Every JSON-LD block matching ``selector`` that parses; broken ones are skipped."""
    blocks = []
    for script in tree.css(selector):
        try:
            blocks.append(json.loads(script.text(deep=True) or ""))
        except ValueError:
            continue
    return blocks


def to_float(value: Any) -> float | None:
    """A float from a number or numeric string; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None
