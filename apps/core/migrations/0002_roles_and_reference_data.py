"""Seed the roles (groups with permissions), currencies and units of measure. No demo data here."""

from decimal import Decimal

from django.db import migrations

from apps.core.roles import sync_roles

CURRENCIES = [("EUR", "Euro", 2), ("USD", "US dollar", 2), ("GBP", "Pound sterling", 2), ("CHF", "Swiss franc", 2),
              ("JPY", "Japanese yen", 0), ("CNY", "Chinese yuan", 2), ("SEK", "Swedish krona", 2)]
UNITS = {
    "Unit": [("ea", "each", "1"), ("pair", "pair", "2"), ("dozen", "dozen", "12")],
    "Mass": [("kg", "kilogram", "1"), ("g", "gram", "0.001"), ("t", "tonne", "1000"), ("lb", "pound", "0.45359237")],
    "Time": [("h", "hour", "1"), ("min", "minute", "0.0166666667"), ("s", "second", "0.0002777778")],
    "Length": [("m", "metre", "1"), ("mm", "millimetre", "0.001"), ("cm", "centimetre", "0.01")],
    "Volume": [("l", "litre", "1"), ("ml", "millilitre", "0.001"), ("m3", "cubic metre", "1000")],
}


def seed_reference(apps, schema_editor):
    Currency = apps.get_model("core", "Currency")
    Category = apps.get_model("core", "UomCategory")
    Unit = apps.get_model("core", "UnitOfMeasure")
    for code, name, decimals in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "decimals": decimals})
    for category_name, units in UNITS.items():
        category, _ = Category.objects.get_or_create(name=category_name)
        for code, name, factor in units:
            Unit.objects.get_or_create(code=code, defaults={"name": name, "category": category,
                                                            "factor": Decimal(factor)})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.RunPython(seed_reference, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
