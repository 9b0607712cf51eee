from django.db import migrations

from apps.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("mes", "0001_initial")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
