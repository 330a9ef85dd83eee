"""Every door into fwadmin keeps to the user's scope and fails safe: the CSV export and errors.

The CSV export defuses every cell a spreadsheet would run and leaves ordinary values
unchanged; a crashing view logs one error with its traceback to a console stream; and the
DEBUG 500 page, like the settings filter, masks a database password (an "@" in it included).
"""

import csv
import io
import json
import logging
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import FinerWorksCall
from orders.views.orders import OrderListView
from tests.every_door_helpers import LIST, LIST_CALL, html

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- 5. CSV export

FORMULAS = {
    "status_message": '=HYPERLINK("http://x")',
    "reference_id": "@SUM(1)",
}
FORMULA_ERRORS = ["+1", "-1", "\t", "\r", "=1+1", "@x"]


def exported(client) -> dict[str, dict]:
    response = client.get(reverse("orders:call_csv"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    rows = csv.DictReader(io.StringIO(response.content.decode(), newline=""))
    return {row["id"]: row for row in rows}


def test_the_csv_export_defuses_every_cell_a_spreadsheet_would_run(client, viewer, owner_account):
    risky = [
        FinerWorksCall.objects.create(
            endpoint=LIST_CALL, outcome="ok", account=owner_account, error_text=text, **FORMULAS
        )
        for text in FORMULA_ERRORS
    ]
    client.force_login(viewer)

    rows = exported(client)

    for call, text in zip(risky, FORMULA_ERRORS, strict=True):
        row = rows[str(call.pk)]
        assert row["error_text"] == "'" + text
        assert row["status_message"] == "'" + FORMULAS["status_message"]
        assert row["reference_id"] == "'" + FORMULAS["reference_id"]


def test_the_csv_export_leaves_ordinary_values_unchanged(client, viewer, owner_account):
    call = FinerWorksCall.objects.create(
        endpoint=LIST_CALL,
        outcome="ok",
        account=owner_account,
        http_status=200,
        status_code=-1,
        status_message="All fine (see #12)",
        reference_id="REF-1",
        error_text="",
        duration_ms=12,
        request_payload={"ids": [1, 2]},
    )
    client.force_login(viewer)

    row = exported(client)[str(call.pk)]

    assert row["status_message"] == "All fine (see #12)"
    assert row["reference_id"] == "REF-1"
    assert row["error_text"] == ""
    assert row["http_status"] == "200" and row["duration_ms"] == "12"
    assert row["status_code"] == "-1"  # a number stays a number
    assert row["account__name"] == owner_account.name
    assert json.loads(row["request_payload"]) == {"ids": [1, 2]}


# ---------------------------------------------------------------------------- 6. logging


class Boom(RuntimeError):
    pass


def explode(*args, **kwargs):
    raise Boom("the list broke")


@pytest.fixture
def broken_list(monkeypatch):
    monkeypatch.setattr(OrderListView, "get_context_data", explode)


@pytest.fixture
def request_log(caplog):
    """django.request does not propagate to the root logger, where caplog listens."""
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def test_a_crashing_view_logs_one_error_with_its_traceback(
    viewer, broken_list, request_log, settings
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    response = client.get(LIST)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "the list broke" not in html(response)
    errors = [
        r for r in request_log.records if r.name == "django.request" and r.levelno == logging.ERROR
    ]
    assert len(errors) == 1
    [record] = errors
    assert record.exc_info and record.exc_info[0] is Boom
    assert "Traceback" in request_log.text and "the list broke" in request_log.text


def test_the_request_logger_writes_to_a_console_stream(settings):
    config = settings.LOGGING
    handlers = config["loggers"]["django.request"]["handlers"]
    assert any(config["handlers"][name]["class"] == "logging.StreamHandler" for name in handlers)
    assert config["loggers"]["django.request"].get("level", "ERROR") in ("ERROR", "WARNING")
    logger = logging.getLogger("django.request")
    assert any(type(h) is logging.StreamHandler for h in logger.handlers)


# ---------------------------------------------------------------------------- 7. DEBUG page

DB_URL = "postgres://u:s3cretpass@db/x"


@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_the_debug_500_page_masks_a_database_password_in_the_request_environ(
    viewer, broken_list, settings, accept
):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    response = client.get(LIST, DATABASE_URL=DB_URL, HTTP_ACCEPT=accept)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    text = html(response)
    assert "Boom" in text and "DATABASE_URL" in text  # the technical page, with META
    assert "s3cretpass" not in text
    assert "postgres://u:" in text  # masked, not dropped


def test_a_url_password_with_an_at_sign_is_masked_whole(settings):
    from fwadmin.debug import SecretRedactingFilter

    masked = SecretRedactingFilter().cleanse_setting("X", "postgres://u:p@ss@db.example/x")
    assert "p@ss" not in masked and "ss@db" not in masked and masked.endswith("@db.example/x")
