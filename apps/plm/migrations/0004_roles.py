from django.db import migrations

from apps.core.roles import sync_roles


class Migration(migrations.Migration):
    """Give the roles the new PLM permissions (approve_changeorder and the new models' CRUD)."""

    dependencies = [("plm", "0003_boms_documents_changes"), ("core", "0002_roles_and_reference_data")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
