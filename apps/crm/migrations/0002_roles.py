from django.db import migrations

from apps.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial"), ("core", "0002_roles_and_reference_data")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
