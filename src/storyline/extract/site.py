"""The site's name for a page that carries no URL or metadata: its copyright line.

A page copied out of a browser keeps its footer ("© 2026 Harbourline Daily Media Ltd.
All rights reserved."), and the holder named there is the outlet (or its publisher).

>>> site_from_copyright("Story text.\\n© 2026 Harbourline Daily Media Ltd. All rights reserved.")
'Harbourline Daily'
"""

from __future__ import annotations

import re

#: characters at the end of a page searched for the footer.
TAIL_CHARS = 4000

_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*[-–,]?\s*)?"
    r"(?:by\s+)?(?P<name>[A-Z0-9][^.|\n©]{1,60})",
    re.IGNORECASE,
)
_CORPORATE = re.compile(
    r"(?:,?\s+(?:digital|media|publishing|group|holdings|ltd|limited|inc|llc|gmbh|plc|corp|corporation|co|s\.a|ug))+\.?\s*$",
    re.IGNORECASE,
)
_TAIL_WORDS = re.compile(r"\s+(?:all rights reserved|powered by|terms|privacy)\b.*$", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"^(?:policy|notice|information|statement|the author|\d+)$", re.IGNORECASE)


def site_from_copyright(page: str) -> str | None:
    """The copyright holder named at the foot of ``page``, or None."""
    for match in reversed(list(_COPYRIGHT.finditer(page[-TAIL_CHARS:]))):
        name = _TAIL_WORDS.sub("", match.group("name")).strip(" -–,:;")
        name = _CORPORATE.sub("", name).strip(" -–,:;")
        if not name or not name[0].isupper() or _NOT_A_NAME.match(name) or len(name.split()) > 6:
            continue
        return name
    return None
