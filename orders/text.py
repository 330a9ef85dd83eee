"""Showing text that came from FinerWorks without letting it disguise itself."""

from django.utils.html import format_html

# Bidirectional controls (embeddings, overrides, isolates, marks): "RTL\u202egnp.exe" would
# otherwise render as "RTLexe.png".
BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}
_VISIBLE = {c: f"[U+{c:04X}]" for c in BIDI_CONTROLS}


def visible_controls(text) -> str:
    return str(text).translate(_VISIBLE)


def isolated(text):
    """HTML for user data: bidi controls shown as [U+202E], the whole isolated in <bdi> so
    right-to-left text cannot reorder what is around it."""
    return format_html("<bdi>{}</bdi>", visible_controls("" if text is None else text))
