"""Locust users of bench/load.py: logged-in staff browsing the dashboard, no think time.

Started by bench/load.py, which sets BENCH_LOAD_PHASE, _USERS, _SECONDS, _PASSWORD,
_TARGETS (a JSON file: search terms, order ids, deep pages) and _MARKER. Each user logs in
through the real form (CSRF token first). Once every user has, the statistics are reset,
the marker file is written (bench/load.py starts the phase's background work), requests
carry an X-Bench-Phase header (what bench/load.py keeps of gunicorn's access log) and the
run stops BENCH_LOAD_SECONDS later. Requests are named by page type (bench/_load_report.py).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

from bench._common import loopback_only
from bench._load_report import page_type

loopback_only()
ENV = {k[len("BENCH_LOAD_") :]: v for k, v in os.environ.items() if k.startswith("BENCH_LOAD_")}
TARGETS = json.loads(Path(ENV["TARGETS"]).read_text())
NUMBERS = itertools.count(1)
LOGINS = {"done": 0, "failed": 0}
HEADERS: dict[str, str] = {}  # X-Bench-Phase once the measured run has begun
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEXT = re.compile(r'<a href="\?([^"]*)" rel="next"')
LOGGED_IN = 'id="result-count"'  # on the order list, where a log-in lands


def measure(environment) -> None:
    """Every user has logged in: from here on, the figures count."""
    environment.runner.stats.reset_all()
    HEADERS["X-Bench-Phase"] = ENV["PHASE"]
    marker = Path(ENV["MARKER"])
    marker.with_suffix(".tmp").write_text(json.dumps({"login_failures": LOGINS["failed"]}))
    marker.with_suffix(".tmp").rename(marker)
    gevent.spawn_later(float(ENV["SECONDS"]), finish, environment)


def finish(environment) -> None:
    environment.runner.stop()
    gevent.sleep(3)  # locust rewrites its CSV files every second: the final figures
    environment.runner.quit()


class Staff(FastHttpUser):
    wait_time = constant(0)
    # Locust plays the TLS-terminating proxy in front of gunicorn (README "Production").
    default_headers = {"X-Forwarded-Proto": "https"}

    def on_start(self):
        # The session and CSRF cookies are Secure: the browser sends them to the TLS proxy,
        # so this client, being the proxy too, sends them over plain HTTP.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.username = f"load{next(NUMBERS):02d}"
        ok = self.log_in()
        LOGINS["done"] += 1
        LOGINS["failed"] += not ok
        if LOGINS["done"] == int(ENV["USERS"]):
            measure(self.environment)
        if not ok:
            raise StopUser()
        self.deep = random.choice(TARGETS["deep"])

    def log_in(self) -> bool:
        form = self.client.get("/accounts/login/", name="login")
        token = CSRF.search(form.text or "")
        if not token:
            return False
        origin = "https://" + urlsplit(self.host).netloc  # what the browser would send
        body = {
            "username": self.username,
            "password": ENV["PASSWORD"],
            "csrfmiddlewaretoken": token.group(1),
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        }
        with self.client.post(
            "/accounts/login/",
            data=urlencode(body),
            headers=headers,
            name="login",
            catch_response=True,
        ) as response:
            if LOGGED_IN not in (response.text or ""):
                response.failure(f"{self.username} was not logged in ({response.status_code})")
                return False
        return True

    def get(self, url: str):
        return self.client.get(url, name=page_type("GET", url), headers=HEADERS)

    @task(30)
    def first_page(self):
        self.get("/orders/")

    @task(15)
    def deep_page(self):
        """A page in the middle of the list, then its Next link, and so on."""
        found = NEXT.search(self.get(self.deep).text or "")
        if found:
            self.deep = "/orders/?" + html.unescape(found.group(1))
        else:
            self.deep = random.choice(TARGETS["deep"])

    @task(15)
    def search(self):
        self.get("/orders/?" + urlencode({"q": random.choice(TARGETS["search"])}))

    @task(10)
    def filter(self):
        self.get("/orders/?source=etsy")

    @task(5)
    def all_states(self):
        self.get("/orders/?state=all")

    @task(15)
    def detail(self):
        self.get(f"/orders/{random.choice(TARGETS['detail'])}/")

    @task(5)
    def deletions(self):
        self.get("/orders/deletions/")

    @task(5)
    def audit(self):
        self.get("/orders/audit/")
