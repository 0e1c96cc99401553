"""User text for rich, shown as stored: never read as markup, emoji codes or terminal codes.

Study names, parameters, values and error messages may hold `[/]` or `[red]` (rich markup:
a crash or a silent cut), `:smile:` (an emoji code) or an escape sequence (which would
drive the user's terminal). Every piece of user text goes into rich through `plain`.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text


def plain(value: object, *, style: str = "") -> Text:
    """`str(value)` as a rich Text shown verbatim; control characters other than newline
    and tab are written as escapes (`\\x1b`, `\\r`) so the text cannot drive the terminal."""
    text = str(value)
    if any(_hidden(ch) for ch in text):
        text = "".join(ch.encode("unicode_escape").decode("ascii") if _hidden(ch) else ch
                       for ch in text)
    return Text(text, style=style)


def _hidden(ch: str) -> bool:
    return ch not in "\n\t" and unicodedata.category(ch) == "Cc"


__all__ = ["plain"]
