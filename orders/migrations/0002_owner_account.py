from django.db import migrations


def create_owner_account(apps, schema_editor):
    FinerWorksAccount = apps.get_model("orders", "FinerWorksAccount")
    if not FinerWorksAccount.objects.filter(account_key__isnull=True).exists():
        FinerWorksAccount.objects.create(name="Own account", account_key=None)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(create_owner_account, migrations.RunPython.noop)]
