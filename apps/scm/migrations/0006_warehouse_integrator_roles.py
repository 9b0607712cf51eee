from django.db import migrations

from apps.core.roles import sync_roles


class Migration(migrations.Migration):
    """Warehouse gets explicit SCM patterns, Integrator loses `scm.approve_purchaseorder`: re-sync the groups."""

    dependencies = [("scm", "0005_stock_indexes"), ("core", "0002_roles_and_reference_data")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
