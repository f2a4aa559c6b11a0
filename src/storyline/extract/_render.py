"""Render parsed HTML as the text a reader would copy out of a browser.

One line per block, indented by block depth, list items with lynx-style
bullets ("*", "+", "o" by nesting level), a blank line after paragraphs and
headings: the same shape as copied page text, so the text-mode line classifier
can read HTML pages too (the HTML fallback). Iterative, so deep nesting (a
thousand nested tables) cannot exhaust the Python stack.
"""

from __future__ import annotations

from typing import Any

_SKIP = frozenset(
    "script style noscript template svg head iframe button select option input textarea object embed canvas".split()
)
_BLOCK = frozenset(
    """p div section article header footer nav aside main h1 h2 h3 h4 h5 h6 li ul ol table tbody
    thead tfoot tr td th blockquote figure figcaption pre dl dt dd br hr address form fieldset
    details summary center""".split()
)
_PARAGRAPH = frozenset("p h1 h2 h3 h4 h5 h6 blockquote table figure pre ul ol".split())
_BULLETS = ("* ", "+ ", "o ", "# ")
#: indentation stops growing past this many block levels (as copied text does).
MAX_INDENT_LEVELS = 20
#: elements walked per page (those inside skipped elements are not walked); a hostile
#: page stops rendering here.
MAX_ELEMENTS = 200_000


# what an element is to the renderer, by tag (a cache of _kind: one dict lookup per
# event instead of lower-casing and set tests; tags are few and repeat)
_INLINE, _SKIPPED, _BLOCKY, _PARA, _LIST, _ITEM = range(6)
_KINDS: dict[Any, int] = {}
#: tag names remembered in _KINDS at most (HTML has ~150; custom elements add some).
MAX_KINDS = 10_000


def _kind(tag: Any) -> int:
    name = tag.lower() if isinstance(tag, str) else ""
    if name in _SKIP:
        return _SKIPPED
    if name in ("ul", "ol"):
        return _LIST
    if name == "li":
        return _ITEM
    if name in _BLOCK:
        return _PARA if name in _PARAGRAPH else _BLOCKY
    return _INLINE


def render_text(tree: Any) -> str:
    """The page text of a parsed HTML tree (see the module docstring)."""
    from lxml import etree

    body = tree.find(".//body")
    root = body if body is not None else tree
    lines: list[str] = []
    buffer: list[str] = []
    depth = 0
    list_depth = 0
    pending_bullet = ""
    skipping = 0
    kinds = _KINDS

    def flush() -> None:
        nonlocal pending_bullet
        if not buffer:
            return
        text = " ".join("".join(buffer).split())
        buffer.clear()
        if text:
            indent = "  " * min(depth, MAX_INDENT_LEVELS)
            lines.append(f"{indent}{pending_bullet}{text}")
            pending_bullet = ""

    seen = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        kind = kinds.get(tag)
        if kind is None:
            if len(kinds) >= MAX_KINDS:  # made-up tag names on hostile pages: stay bounded
                kinds.clear()
            kind = kinds[tag] = _kind(tag)
        if event == "start":
            seen += 1
            if seen > MAX_ELEMENTS:
                break
            if kind == _SKIPPED:
                # not walked at all (scripts, forms, embedded SVG): only its end event follows
                walker.skip_subtree()
                skipping = 1
                continue
            if kind != _INLINE:
                flush()
                depth += 1
                if kind == _LIST:
                    list_depth += 1
                elif kind == _ITEM:
                    pending_bullet = _BULLETS[min(max(list_depth - 1, 0), 3)]
            text = element.text
            if text:
                buffer.append(text)
        else:
            if skipping:
                skipping = 0
                tail = element.tail
                if tail:
                    buffer.append(tail)
                continue
            if kind != _INLINE:
                flush()
                depth -= 1
                if kind == _LIST:
                    list_depth -= 1
                if kind >= _PARA and kind != _ITEM and lines and lines[-1] != "":
                    lines.append("")
            tail = element.tail
            if tail:
                buffer.append(tail)
    flush()
    return "\n".join(lines)
