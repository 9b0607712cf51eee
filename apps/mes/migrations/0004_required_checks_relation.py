"""Required quality checks become a relation to inspection plans (were free text, one plan name a line)."""

from django.db import migrations, models


def text_to_plans(apps, schema_editor):
    """Link each routing/work order operation to the plans its text named (same company); unknown names drop."""
    InspectionPlan = apps.get_model("mes", "InspectionPlan")
    for model_name, company_path in (("RoutingOperation", "routing__company_id"),
                                     ("Operation", "work_order__company_id")):
        model = apps.get_model("mes", model_name)
        for operation in model.objects.exclude(required_checks_text="").values("pk", "required_checks_text",
                                                                               company_path):
            names = [line.strip() for line in operation["required_checks_text"].splitlines() if line.strip()]
            plans = InspectionPlan.objects.filter(company_id=operation[company_path], name__in=names)
            model.objects.get(pk=operation["pk"]).required_checks.set(plans)


class Migration(migrations.Migration):

    dependencies = [
        ("mes", "0003_quality_downtime"),
    ]

    operations = [
        migrations.RenameField(model_name="routingoperation", old_name="required_checks",
                               new_name="required_checks_text"),
        migrations.RenameField(model_name="operation", old_name="required_checks", new_name="required_checks_text"),
        migrations.AddField(
            model_name="routingoperation",
            name="required_checks",
            field=models.ManyToManyField(
                blank=True, related_name="routing_operations", to="mes.inspectionplan",
                help_text="Inspection plans that must pass before the operation can finish; copied to work orders."),
        ),
        migrations.AddField(
            model_name="operation",
            name="required_checks",
            field=models.ManyToManyField(
                blank=True, related_name="operations", to="mes.inspectionplan",
                help_text="Inspection plans that must pass (a passing result of each of their checks) before finish."),
        ),
        migrations.RunPython(text_to_plans, migrations.RunPython.noop),
        migrations.RemoveField(model_name="routingoperation", name="required_checks_text"),
        migrations.RemoveField(model_name="operation", name="required_checks_text"),
    ]
