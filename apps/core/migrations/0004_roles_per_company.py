from django.db import migrations

from apps.core.roles import sync_roles


def roles_per_company(apps, schema_editor):
    """Rights now come from the role in each company's membership; the old merge of every membership's role
    into the user's Django groups is dropped so it can grant nothing anywhere."""
    User = apps.get_model("auth", "User")
    User.groups.through.objects.all().delete()
    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    """Per-company roles: no global groups, no `auth.*` for company Admins, reference data for superusers."""

    dependencies = [("core", "0003_company_exchange_rates"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(roles_per_company, migrations.RunPython.noop)]
