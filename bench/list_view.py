"""List view: the dashboard's order list against the stock admin changelist, same rows.

    python -m bench.list_view --size 100000 [--database-url URL] [--fresh] [--repeat 7]
        [--cases search]

Every request goes through the whole stack: Django's test client, a logged-in superuser,
all middleware, the templates. The cases (first page, a deep page, searches, filters),
each timed for the dashboard and for the baseline after a warm-up; the figure is the ratio
of medians. Query counts are taken on a separate, untimed request.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

from bench._common import add_repeat, bench_parser, emit, log, median, quick, setup_django, timed
from bench._databases import Database

ORDER_LINK = re.compile(r'<a href="/orders/(\d+)/">(\d+)</a>')
ADMIN_ROW = re.compile(r'<th class="field-fulfillment_id"><a href="[^"]*">(\d+)</a>')
NEXT_LINK = re.compile(r'<a href="\?([^"]*)"[^>]*>Next')


def fids(html: str, admin: bool) -> list[int]:
    if admin:
        return [int(f) for f in ADMIN_ROW.findall(html)]
    return [int(fid) for _, fid in ORDER_LINK.findall(html)]


def cases(client, size: int, page_size: int) -> dict[str, tuple[str, str]]:
    """name -> (dashboard URL, baseline admin URL), both listing the same orders."""
    from bench._listdata import FIRST_ID, state_of

    ours = "/orders/?"
    admin = "/bench-admin/orders/pendingorder/?"
    pending = "state__exact=pending"
    base = {"page_size": page_size}
    pages = sum(1 for i in range(size) if state_of(i) == "pending") // page_size
    deep = max(pages // 2, 2)
    # The dashboard reaches a deep page through its own "Next" link (cursor or page number).
    previous = client.get(ours + urlencode({**base, "page": deep - 1}))
    found = NEXT_LINK.search(previous.content.decode())
    if not found:
        raise SystemExit("bench: no Next link on the dashboard page before the deep page")
    deep_query = found.group(1).replace("&amp;", "&")
    middle = next(i for i in range(size // 2, size) if state_of(i) == "pending")
    email = f"customer{FIRST_ID + middle}@example.test"
    return {
        "first page": (ours + urlencode(base), admin + pending),
        f"deep page ({deep:,})": (ours + deep_query, admin + f"{pending}&p={deep}"),
        "search (e-mail)": (
            ours + urlencode({**base, "q": email}),
            admin + f"{pending}&" + urlencode({"q": email}),
        ),
        **search_cases(ours, admin + f"{pending}&", base, rare=f"{FIRST_ID + middle}@ex"),
        "filter (source)": (
            ours + urlencode({**base, "source": "etsy"}),
            admin + f"{pending}&source=etsy",
        ),
        "all states": (ours + urlencode({**base, "state": "all"}), admin),
        "all states, filter": (
            ours + urlencode({**base, "state": "all", "source": "etsy"}),
            admin + "source=etsy",
        ),
        "deleted": (
            ours + urlencode({**base, "state": "deleted"}),
            admin + "state__exact=deleted",
        ),
        # The junk finder's presets, each against the admin's plain first page (the
        # admin has no such filter): their own ratio to "first page" is the figure.
        **{
            f"junk {preset}": (ours + urlencode({**base, "junk": preset}), admin + pending)
            for preset in ("duplicate_po", "same_recipient", "test", "incomplete", "stale")
        },
    }


# Substring searches (icontains) that list the same orders on both sides: terms found only
# in the PO, the name or the e-mail, which the admin searches too (the dashboard also
# reads the company, the SKUs and the titles).
SEARCH_TERMS = {"common": "Rossi", "two letters": "ia"}


def search_cases(ours: str, admin: str, base: dict, *, rare: str) -> dict[str, tuple[str, str]]:
    """The search cases: a last name (about 5 % of the orders), a part of one e-mail, and a
    two-letter term (no trigram: a scan on SQLite, as in the admin)."""
    terms = {**SEARCH_TERMS, "rare": rare}
    return {
        f"search {kind} ({term})": (
            ours + urlencode({**base, "q": term}),
            admin + urlencode({"q": term}),
        )
        for kind, term in terms.items()
    }


def query_count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def parse_args():
    parser = bench_parser(__doc__, "--size", required=True)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data")
    add_repeat(parser, 3 if quick() else 7)
    parser.add_argument(
        "--page-size", type=int, default=25, help="rows per page, both sides (25: the default)"
    )
    parser.add_argument(
        "--cases", default="", help="only the cases whose name contains this (e.g. search)"
    )
    return parser.parse_args()


def prepare(args) -> None:
    """Django on this size's database (built if needed), the baseline admin mounted."""
    name, file = f"fwadmin_bench_list_{args.size}", f"list-{args.size}.sqlite3"
    url = Database(args.database_url, name, file).url
    setup_django(url)
    from django.conf import settings
    from django.urls import clear_url_caches

    from bench import _admin_urls
    from bench._listdata import ensure

    _admin_urls.BaselineOrderAdmin.list_per_page = args.page_size
    settings.ROOT_URLCONF = "bench._admin_urls"
    clear_url_caches()
    ensure(url, args.size, base_url=args.database_url or None, fresh=args.fresh)


def logged_in(username: str):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def case_result(args, db: str, name: str, ours: str, admin: str, client, viewer) -> dict:
    """One case, checked (same orders on both sides), counted and timed."""
    ours_rows = fids(client.get(ours).content.decode(), admin=False)
    admin_rows = fids(client.get(admin).content.decode(), admin=True)
    # A junk preset has no admin twin: it must list something, compared by time only.
    junk = name.startswith("junk")
    if (not ours_rows and not junk) or (ours_rows != admin_rows and not junk):
        raise SystemExit(f"bench: {name}: dashboard and admin list different orders")
    queries = query_count(client, ours)
    viewer_queries = query_count(viewer, ours)
    admin_queries = query_count(client, admin)
    ours_s = timed(lambda url=ours: client.get(url), repeat=args.repeat)
    admin_s = timed(lambda url=admin: client.get(url), repeat=args.repeat)
    return {
        "bench": "list",
        "db": db,
        "size": args.size,
        "case": name,
        "rows": len(ours_rows),
        "page_size": args.page_size,
        "ours_ms": median(ours_s) * 1000,
        "baseline_ms": median(admin_s) * 1000,
        "ratio": median(ours_s) / median(admin_s),
        "queries": queries,
        "viewer_queries": viewer_queries,
        "baseline_queries": admin_queries,
        "ours_samples_ms": [round(s * 1000, 2) for s in ours_s],
        "baseline_samples_ms": [round(s * 1000, 2) for s in admin_s],
        "url": ours,
    }


def report(result: dict) -> None:
    log(
        f"  {result['case']:<22} ours {result['ours_ms']:8.1f} ms ({result['queries']} q, "
        f"viewer {result['viewer_queries']})  admin {result['baseline_ms']:8.1f} ms "
        f"({result['baseline_queries']} q)  ratio {result['ratio']:.3f}"
    )
    emit(**result)


def main() -> None:
    args = parse_args()
    prepare(args)
    from django.db import connection

    client = logged_in("bench")
    viewer = logged_in("viewer")
    db = connection.vendor
    log(f"list view, {db}, {args.size:,} orders")
    for name, (ours, admin) in cases(client, args.size, args.page_size).items():
        if args.cases not in name:
            continue
        report(case_result(args, db, name, ours, admin, client, viewer))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
