from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from orders.finerworks.sandbox import demo_account_keys
from orders.models import FinerWorksAccount
from orders.services import account_owner_get_or_create


class Command(BaseCommand):
    help = "Create the demo superuser and the sandbox's demo accounts (for `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=2)
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="admin")

    def handle(self, *args, accounts, username, password, **options):
        account_owner_get_or_create()
        for i, key in enumerate(demo_account_keys(accounts), start=1):
            FinerWorksAccount.objects.get_or_create(
                account_key=key, defaults={"name": f"Demo client {i}"}
            )
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username, f"{username}@example.com", password)
            self.stdout.write(f"Demo superuser created: {username} / {password}")
        else:
            self.stdout.write(f"Demo superuser exists: {username}")
