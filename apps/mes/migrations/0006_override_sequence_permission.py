"""The supervisor's permission to run operations out of the routing sequence, given to roles by `sync_roles`
(Manager and Admin; Production, Quality and Integrator keep MES's CRUD permissions only)."""

from django.db import migrations

from apps.core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("mes", "0005_work_order_completion_checks")]

    operations = [
        migrations.AlterModelOptions(
            name="operation",
            options={"ordering": ["work_order", "sequence"],
                     "permissions": [("override_sequence",
                                      "Can run operations out of the routing sequence (supervisor)")]},
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
