"""Reading numbers people and FinerWorks write: one rule everywhere (no Django here)."""


def whole_number(value, *, max_digits: int = 18) -> int | None:
    """The number `value` writes in ASCII digits only (no sign, space, or other scripts'
    digits, which str.isdigit accepts), at most `max_digits` long; else None. Eighteen
    digits always fit a 64-bit id."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return None
