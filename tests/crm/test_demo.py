"""`seed_demo` for CRM: the demo pipeline, quotes, cases and activities exist once; a second run changes nothing."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from apps.core.models import Event
from apps.crm import demo_customers
from apps.crm.models import Activity, Lead, Opportunity, Quote, ServiceCase
from apps.crm.selectors import lead_duplicates, pipeline_board


def crm_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("crm").get_models()}


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_crm():
    call_command("seed_demo")
    first = crm_counts()
    call_command("seed_demo")
    assert crm_counts() == first
    demo = {"company__code": "DEMO"}
    assert Lead.objects.filter(**demo).count() == 5
    # 12 + the qualified lead's + the accepted quote's, and the e-bike range's
    assert Opportunity.objects.filter(**demo).count() == 14 + len(demo_customers.OPPORTUNITIES)
    assert set(Opportunity.objects.filter(**demo).values_list("status", flat=True)) == {"lost", "open", "won"}
    assert sorted(Quote.objects.filter(customer__name="Acme Tractors Ltd", **demo).values_list("status", flat=True)) \
        == ["accepted", "draft", "sent"]
    ebikes = Quote.objects.filter(lines__item__number__startswith="EB-", **demo).distinct()
    assert sorted(ebikes.values_list("status", flat=True)) == ["draft"] + ["sent"] * 3
    accepted = Quote.objects.get(status="accepted", **demo)
    assert (accepted.total, accepted.total_with_tax) == (Decimal("995.00"), Decimal("1184.05"))
    assert Event.objects.filter(name="crm.quote.accepted", subject_id=str(accepted.pk)).count() == 1
    assert sorted(ServiceCase.objects.filter(**demo).values_list("status", flat=True)) == ["in_progress", "resolved"]
    assert Activity.objects.filter(**demo).count() == 4
    fisher = Lead.objects.get(email="tom@fisherfarms.example")
    assert [d.email for d in lead_duplicates(lead=fisher)] == ["TOM@fisherfarms.example"]
    board = pipeline_board(company=fisher.company)
    assert sum(column.count for column in board) == 14 + len(demo_customers.OPPORTUNITIES)
    assert Lead.objects.filter(company__code="DEMO2").count() == 1
