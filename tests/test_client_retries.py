"""FinerWorksClient retries, exercised over real HTTP against the local sandbox: a refused
connection and a rate-limited list are retried with capped backoff honouring Retry-After, a
rate-limited or half-read delete is never resent, and the on_attempt and before_attempt hooks
can stop a retry."""

from __future__ import annotations

import pytest
import requests

from orders.finerworks.client import FinerWorksClient, parse_retry_after
from orders.finerworks.errors import ConnectionFailed, OutcomeUnknown, RateLimited
from tests.client_helpers import FakeResponse, FakeSession, Recorder, make_client


def test_connection_refused_is_retried_then_connection_failed(closed_port_url):
    rec = Recorder()
    sleeps: list[float] = []
    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        timeout=1.0,
        on_attempt=rec,
        sleep=sleeps.append,
        max_retries=2,
    )
    with pytest.raises(ConnectionFailed) as info:
        client.delete_pending_orders([1, 2])
    assert [e.attempt for e in rec.seen] == [1, 2, 3]
    assert all(isinstance(e, ConnectionFailed) for e in rec.seen)
    assert rec.seen[-1] is info.value
    assert sleeps == [0.5, 1.0]
    assert info.value.__cause__ is not None
    assert info.value.payload == {"ids": [1, 2]}


def test_backoff_capped_by_max_retry_wait(closed_port_url):
    sleeps: list[float] = []
    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        timeout=1.0,
        sleep=sleeps.append,
        max_retries=4,
        max_retry_wait=1.5,
    )
    with pytest.raises(ConnectionFailed):
        client.list_pending_orders()
    assert sleeps == [0.5, 1.0, 1.5, 1.5]


@pytest.mark.parametrize("mode,status", [("429", 429), ("503_retry", 503)])
def test_rate_limited_is_retried_honouring_retry_after(sandbox, mode, status):
    sandbox.seed(2)
    sandbox.add_fault("list_pending_orders", mode)
    sleeps: list[float] = []
    rec = Recorder()
    client = make_client(sandbox, sleep=sleeps.append, on_attempt=rec)
    resp = client.list_pending_orders()
    assert resp.success and resp.attempt == 2 and len(resp.orders) == 2
    assert len(sandbox.requests) == 2
    assert sleeps == [1.0]
    first = rec.seen[0]
    assert isinstance(first, RateLimited) and first.http_status == status
    assert first.retry_after == 1.0 and first.attempt == 1
    assert rec.seen[1] is resp


def test_rate_limited_gives_up_after_max_retries(sandbox):
    sandbox.add_fault("*", "429", times=10)
    rec = Recorder()
    client = make_client(sandbox, on_attempt=rec, max_retries=2)
    with pytest.raises(RateLimited) as info:
        client.list_pending_orders()
    assert info.value.attempt == 3 and len(rec.seen) == 3
    assert len(sandbox.requests) == 3


def test_on_attempt_exception_propagates_and_stops(sandbox):
    sandbox.add_fault("*", "429", times=3)

    def boom(result):
        raise RuntimeError("audit failed")

    client = make_client(sandbox, on_attempt=boom)
    with pytest.raises(RuntimeError, match="audit failed"):
        client.list_pending_orders()
    assert len(sandbox.requests) == 1


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("mode", ["429", "503_retry", "deleted_but_429"])
def test_a_rate_limited_delete_is_never_resent(sandbox, fw_client, mode):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", mode, times=5)
    with pytest.raises(RateLimited):
        fw_client.delete_pending_orders(ids)
    assert len(sandbox.requests_for("delete_pending_orders")) == 1


def test_a_rate_limited_list_is_retried(sandbox, fw_client):
    sandbox.seed(2)
    sandbox.add_fault("list_pending_orders", "429")
    assert fw_client.list_pending_orders().attempt == 2


def test_a_broken_body_after_the_answer_began_is_an_unknown_outcome_never_resent():
    """TLS or chunking errors while the body is read: FinerWorks answered, so the delete
    may have been processed; neither "not sent" nor retried."""

    class Broken(FakeResponse):
        def iter_content(self, chunk_size=1):
            raise requests.exceptions.SSLError("bad record mac")
            yield b""

    session = FakeSession()
    session.request = lambda *args, **kwargs: (session.calls.append(args), Broken())[1]
    client = FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=session
    )
    with pytest.raises(OutcomeUnknown):
        client.delete_pending_orders([1, 2])
    assert len(session.calls) == 1


def test_a_hook_runs_before_every_attempt_and_can_stop_a_retry(closed_port_url):
    calls = []

    def hook():
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("superseded")

    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        before_attempt=hook,
        sleep=lambda seconds: None,
    )
    with pytest.raises(RuntimeError, match="superseded"):
        client.delete_pending_orders([1])
    assert calls == [0, 1]  # the first attempt, then the retry it stopped
