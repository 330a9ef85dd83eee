"""How deep a JSON text nests, found before any parser reads it.

A streaming parser's memory grows with the square of the depth (60 KB of brackets took
2.2 GB), so every answer is checked first, in C (regular expressions and translate).
"""

import re

MAX_DEPTH = 64  # FinerWorks' records nest about five levels deep

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_PAIR = re.compile(rb"\[\]|\{\}")


def nesting_within(content: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text's brackets pair up and nest at most `limit` levels deep.

    Checked before any parser sees the text: a streaming parser's memory grows with the
    square of the depth. Escapes go, then all but quotes and brackets, then the strings
    (adjacent quotes first: most strings hold no bracket), then innermost pairs once per
    level: all in C, about 0.3 s for 110 MB, a few passes for real answers.
    """
    structure = _structure(content).replace(b'""', b"")
    brackets = _STRING.sub(b"", structure) if b'"' in structure else structure
    for _ in range(limit):
        if not brackets:
            return True
        brackets = _PAIR.sub(b"", brackets)  # one level per pass, whatever the kinds mix
    return not brackets


_SLICE = 8 * 1024 * 1024


def _structure(content) -> bytes:
    """The quotes and brackets of a JSON text, escapes removed, read in slices so that no
    copy of a 100 MB answer is made (a slice never ends inside an escape)."""
    parts, start, size = [], 0, len(content)
    while start < size:
        end = min(start + _SLICE, size)
        while end < size and content[end - 1] == 0x5C:  # a backslash: its escape goes along
            end += 1
        piece = bytes(content[start:end])
        if b"\\" in piece:
            piece = _ESCAPE.sub(b"", piece)
        parts.append(piece.translate(None, _NOT_STRUCTURE))
        start = end
    return b"".join(parts)
