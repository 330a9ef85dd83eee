from django.core.management.base import BaseCommand

from orders.finerworks.sandbox import serve


class Command(BaseCommand):
    help = "Run the local FinerWorks stand-in server (no credentials or network needed)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--accounts", type=int, default=2, help="Delegated accounts.")
        parser.add_argument("--orders", type=int, default=120, help="Orders per account.")
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="Added to every call (a slow FinerWorks)."
        )

    def handle(self, *args, port, seed, accounts, orders, latency_ms, **options):
        serve(
            port=port,
            seed=seed,
            accounts=accounts,
            orders_per_account=orders,
            latency_ms=latency_ms,
            out=self.stdout,
        )
