"""The data of bench/load.py: the sandbox's orders, and a database mirroring them (migrated,
accounts, a first sync, delegated keys verified, staff users). The database is built once
and kept as a template; later runs restore it while the stamp (sizes, migrations, the
sandbox's data generator) matches, since a sandbox seeded the same way lists the same
orders. `--fresh` rebuilds it."""

from __future__ import annotations

import hashlib
import html
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from bench._common import (
    DATA,
    ROOT,
    log,
    postgres_create_database,
    postgres_url,
    schema_version,
    sqlite_url,
)

VERSION = "1"
OWNER_SEED = 1
DELEGATED = [("Load A", "bench-load-a", 2), ("Load B", "bench-load-b", 3)]
DELETER = "load-deleter"
NAME = "fwadmin_bench_load"


def staff_names(users: int) -> list[str]:
    return [f"load{i:02d}" for i in range(1, users + 1)]


def sandbox_fill(sandbox, orders: int, delegated: int) -> None:
    sandbox.seed(orders, seed=OWNER_SEED)
    for _, key, seed in DELEGATED:
        sandbox.add_account(key)
        sandbox.seed(delegated, seed=seed, account_key=key)


def child_env(database_url: str, sandbox_url: str) -> dict:
    """What the product's processes get: the production settings on this database and
    sandbox; no inherited DJANGO_/FWADMIN_/FINERWORKS_ value (production defaults)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FWADMIN_"))}
    env = {k: v for k, v in env.items() if not k.startswith("FINERWORKS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DJANGO_SECRET_KEY="bench-only-" + secrets.token_urlsafe(32),  # a throwaway per run
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Locust plays the TLS proxy of the production set-up (README "Production").
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        FINERWORKS_BASE_URL=sandbox_url,
        FINERWORKS_WEB_API_KEY="sandbox-web-key",
        FINERWORKS_APP_KEY="sandbox-app-key",
    )
    return env


def manage(env: dict, *args: str, log_name: str = "load-setup.log") -> None:
    with open(DATA / log_name, "a") as out:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    if done.returncode:
        tail = (DATA / log_name).read_text()[-2000:]
        raise SystemExit(f"bench: manage.py {' '.join(args)} failed:\n{tail}")


class Database:
    """The run's database (fwadmin_bench_load or a file) and its template."""

    def __init__(self, server_url: str, orders: int, delegated: int, users: int):
        self.server_url = server_url
        generator = (ROOT / "orders" / "finerworks" / "demo_data.py").read_bytes()
        digest = hashlib.sha256(generator).hexdigest()[:12]
        self.stamp = f"v{VERSION}:{orders}:{delegated}:{users}:{schema_version()}:{digest}"
        self.stamp_file = DATA / "load-template-sqlite.stamp"
        if server_url:
            self.url = postgres_url(server_url, NAME)
        else:
            self.path = DATA / "load-run.sqlite3"
            self.template = DATA / "load-template.sqlite3"
            self.url = sqlite_url(self.path)

    def _template_stamp(self) -> str:
        """The stamp of the template there is ("" when none). PostgreSQL keeps it as the
        template database's comment: the database is shared by every checkout, a file of
        this checkout's would vouch for a template another checkout built."""
        if not self.server_url:
            ok = self.template.exists() and self.stamp_file.exists()
            return self.stamp_file.read_text() if ok else ""
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            query = (
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s"
            )
            row = conn.execute(query, [f"{NAME}_tpl"]).fetchone()
        return (row[0] or "") if row else ""

    def cached(self) -> bool:
        return self._template_stamp() == self.stamp

    def _sqlite_clear(self) -> None:
        for suffix in ("", "-wal", "-shm"):  # a stale log would be replayed into the copy
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def restore(self) -> None:
        from django.db import connection

        connection.close()
        if self.server_url:
            postgres_create_database(self.server_url, NAME, drop=True, template=f"{NAME}_tpl")
        else:
            self._sqlite_clear()
            shutil.copyfile(self.template, self.path)

    def create_empty(self) -> None:
        if self.server_url:
            postgres_create_database(self.server_url, NAME, drop=True)
        else:
            self._sqlite_clear()

    def save(self) -> None:
        from django.db import connection

        connection.close()
        if self.server_url:
            import psycopg
            from psycopg import sql

            postgres_create_database(self.server_url, f"{NAME}_tpl", drop=True, template=NAME)
            with psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                        sql.Identifier(f"{NAME}_tpl"), sql.Literal(self.stamp)
                    )
                )
        else:
            self.stamp_file.unlink(missing_ok=True)
            shutil.copyfile(self.path, self.template)
            self.stamp_file.write_text(self.stamp)


def users_create(users: int) -> None:
    """Staff with the view permission and a grant on every delegated account (the owner
    account needs no grant: orders/permissions.py), and a superuser who deletes."""
    from django.contrib.auth.models import Permission, User

    from orders.models import AccountGrant, FinerWorksAccount

    view = Permission.objects.get(content_type__app_label="orders", codename="view_pendingorder")
    delegated = list(FinerWorksAccount.objects.filter(account_key__isnull=False))
    for name in staff_names(users):
        user = User.objects.create_user(name, f"{name}@example.test", None, is_staff=True)
        user.user_permissions.add(view)
        AccountGrant.objects.bulk_create([AccountGrant(account=a, user=user) for a in delegated])
    User.objects.create_superuser(DELETER, f"{DELETER}@example.test", None)


def build(db: Database, env: dict, users: int) -> None:
    """Migrate, accounts, users, first sync, verify the delegated keys; save the template."""
    from bench._common import migrate_quietly
    from orders.models import FinerWorksAccount
    from orders.services import account_owner_get_or_create

    log("  building the database: migrate, accounts, users, first sync, verify")
    db.create_empty()
    migrate_quietly()
    account_owner_get_or_create()
    for name, key, _ in DELEGATED:
        FinerWorksAccount.objects.create(name=name, account_key=key)
    users_create(users)
    manage(env, "sync_pending_orders")
    manage(env, "finerworks_check", "--verify")
    unverified = FinerWorksAccount.objects.exclude(verification="verified").count()
    if unverified:
        raise SystemExit(f"bench: {unverified} account(s) not verified; see load-setup.log")
    db.save()


def passwords_set(users: int) -> str:
    """A fresh password for every staff user (one hash, so the set-up stays quick)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    password = secrets.token_urlsafe(16)
    User.objects.filter(username__in=staff_names(users)).update(password=make_password(password))
    return password


def targets(path: Path, users: int, *, deep: int = 8, sample: int = 200) -> None:
    """What the locust users ask for: existing e-mails and POs, order ids, and deep pages
    (the Next link of pages in the middle of the list, as bench/list_view.py reaches them)."""
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.list_view import NEXT_LINK
    from orders.models import PendingOrder

    rng = random.Random(OWNER_SEED)
    pending = PendingOrder.objects.filter(state="pending")
    ids = rng.sample(list(pending.values_list("pk", flat=True)), sample)
    rows = PendingOrder.objects.filter(pk__in=ids[: sample // 2])
    rows = list(rows.values_list("recipient_email", "order_po"))
    search = [email for email, _ in rows] + [po for _, po in rows if po]
    client = Client()
    client.force_login(User.objects.get(username=staff_names(users)[0]))
    pages = pending.count() // 25
    deep_urls = []
    for number in sorted(rng.sample(range(pages // 4, 3 * pages // 4), deep)):
        found = NEXT_LINK.search(client.get(f"/orders/?page={number}").content.decode())
        if not found:
            raise SystemExit(f"bench: no Next link on page {number}")
        deep_urls.append("/orders/?" + html.unescape(found.group(1)))
    data = {"search": search, "detail": ids, "deep": deep_urls}
    path.write_text(json.dumps(data))
