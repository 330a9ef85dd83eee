import pytest

from orders.models import AccountGrant, FinerWorksAccount
from orders.services import account_owner_get_or_create
from tests.factories import make_user

pytest_plugins = ["tests.sandbox_plugin"]


def pytest_configure(config):
    """Django's own deprecation warnings fail the suite, whichever Django version runs it."""
    import django.utils.deprecation as deprecation

    for name in dir(deprecation):
        if name.startswith("RemovedInDjango") and name.endswith("Warning"):
            config.addinivalue_line("filterwarnings", f"error::django.utils.deprecation.{name}")


@pytest.fixture
def fw(sandbox, settings):
    """The sandbox with Django configured to call it (real HTTP over loopback)."""
    settings.FINERWORKS_BASE_URL = sandbox.base_url
    settings.FINERWORKS_WEB_API_KEY = sandbox.web_api_key
    settings.FINERWORKS_APP_KEY = sandbox.app_key
    settings.FINERWORKS_TIMEOUT = 1.0
    return sandbox


@pytest.fixture
def owner_account(db):
    return account_owner_get_or_create()


@pytest.fixture
def delegated_account(db, fw):
    key = fw.add_account("11111111-2222-4333-8444-555555555555")
    return FinerWorksAccount.objects.create(
        name="Acme Prints",
        account_key=key,
        verification=FinerWorksAccount.Verification.VERIFIED,
    )


@pytest.fixture
def viewer(db):
    return make_user("viewer", "orders.view_pendingorder")


@pytest.fixture
def deleter(db):
    return make_user("deleter", "orders.view_pendingorder", "orders.delete_at_finerworks")


@pytest.fixture
def restorer(db):
    return make_user(
        "restorer",
        "orders.view_pendingorder",
        "orders.delete_at_finerworks",
        "orders.restore_at_finerworks",
    )


@pytest.fixture
def admin_user(db):
    return make_user("boss", superuser=True)


@pytest.fixture
def grant():
    def _grant(user, account):
        return AccountGrant.objects.create(user=user, account=account)

    return _grant
