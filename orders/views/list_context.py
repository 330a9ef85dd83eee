"""What the order list shows around its table: the junk finder's presets, the filters'
choices drawn from the mirror, the active filters as removable chips, saved views."""

from django.http import QueryDict

from orders.junk_presets import DUPLICATE_FIELDS, PRESETS, preset_label
from orders.views.order_page import CURSOR_PARAMS

STATE_WORDS = {"gone": "Gone", "deleted": "Deleted", "all": "All states"}
TEST_WORDS = {"yes": "Test only", "no": "Live only"}


def _href(params: QueryDict, **changes) -> str:
    query = params.copy()
    for key in ("page", *CURSOR_PARAMS):
        query.pop(key, None)
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def preset_links(params: QueryDict, current: str, counts: dict[str, int]) -> list[dict]:
    """One link per junk preset, with its count (as of the last sync)."""
    links = [{"label": "All orders", "href": _href(params, junk=None), "active": not current}]
    for preset in PRESETS:
        links.append(
            {
                "label": preset_label(preset),
                "count": counts.get(preset),
                "href": _href(params, junk=preset, state=None),
                "active": current == preset,
                "preset": preset,
            }
        )
    return links


def facet_options(counts: dict[str, int], current: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for a filter's select: the mirror's values, most used
    first, with their counts; the current value kept even if the mirror has none."""
    options = [("", "Any", not current)]
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    for value, n in ranked:
        options.append((value, f"{value} ({n:,})", value.casefold() == current.casefold()))
    if current and not any(selected for _v, _l, selected in options):
        options.append((current, f"{current} (none now)", True))
    return options


def filter_chips(form, params: QueryDict) -> list[dict]:
    """The active filters, each a chip whose link removes it."""
    chips = []
    values = {
        "q": lambda v: f"Search: {v}",
        "account": lambda v: f"Account: {v.name}",
        "state": lambda v: STATE_WORDS.get(v, v),
        "source": lambda v: f"Source: {v}",
        "shipping_code": lambda v: f"Shipping: {v}",
        "test_mode": lambda v: TEST_WORDS.get(v, v),
        "junk": lambda v: f"Junk: {preset_label(v)}",
    }
    for name, words in values.items():
        if value := form.value(name):
            chips.append({"label": words(value), "href": _href(params, **{name: None})})
    return chips


def extras_offer(preset: str) -> bool:
    """Whether the preset's orders come in groups: "Select the extra copies"."""
    return preset in DUPLICATE_FIELDS
