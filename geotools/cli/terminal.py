"""Text from data, made safe for a terminal: plain text, control characters made visible.

Status names, region names, file names and every other value read from a file or a server
reach the terminal through here. A name like ``\\x1b]0;title\\x07`` would otherwise retitle the
window (or ``\\x1b[2J`` clear the screen), a right-to-left override would reorder what follows,
and ``[/]`` or ``[link=…]`` would be read as Rich markup (a crash, or a clickable link): each
control character is shown as an escape (``\\x1b``, ``\\n``, ``\\u202e``), and the text given
to Rich is a :class:`rich.text.Text`, never markup.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.text import Text

#: C0 and C1 controls, DEL, and the invisible marks that reorder text (bidi embeddings,
#: overrides and isolates, the LRM / RLM marks), line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object) -> str:
    """``str(value)`` on one line with every control character shown as an escape."""
    return _CONTROL.sub(_escape, str(value))


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible_json(text: str) -> str:
    """A JSON document as text, with the controls ``json.dumps`` leaves raw (C1, bidi marks)
    written as ``\\uXXXX`` escapes: the same JSON value, safe on a terminal."""
    return _CONTROL.sub(_json_escape, text)


def plain(value: object) -> Text:
    """A Rich renderable that shows ``value`` as it is: no markup, controls made visible."""
    from rich.text import Text

    return Text(visible(value))


def say(text: object, err: bool = False) -> None:
    """``click.echo`` of text holding data: each line made visible, the lines kept."""
    click.echo("\n".join(visible(line) for line in str(text).split("\n")), err=err)


class VisibleFormatter(logging.Formatter):
    """A log formatter whose lines show control characters as escapes (a log line names
    files and statuses, which come from data)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record, formatted, on one line."""
        return visible(super().format(record))
