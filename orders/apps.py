from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = "FinerWorks pending orders"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from orders.services.list_views import density_into_session

        # The list's density is the user's choice, read once per log-in (not per page).
        user_logged_in.connect(density_into_session, dispatch_uid="orders_list_density")
