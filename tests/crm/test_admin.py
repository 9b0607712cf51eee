"""CRM admin: documents past their first state are read-only there; admin actions go through the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditRecord, Event
from apps.crm.models import Quote
from apps.crm.services.quotes import quote_create, quote_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, company, make_user):
    client.force_login(make_user(company, "Sales", is_staff=True))
    return client


def test_a_sent_quote_is_read_only_in_the_admin_and_a_draft_is_sent_by_the_action(admin_client, company, customer,
                                                                                   product, sales):
    lines = [{"item": product, "quantity": Decimal(1), "unit_price": Decimal(5)}]
    sent = quote_send(quote=quote_create(company=company, actor=sales, customer=customer, lines=lines), actor=sales)
    draft = quote_create(company=company, actor=sales, customer=customer, lines=lines)
    page = admin_client.get(reverse("admin:crm_quote_change", args=[sent.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(reverse("admin:crm_quote_change", args=[sent.pk]), {"notes": "x"}).status_code == 403
    assert admin_client.get(reverse("admin:crm_quote_change", args=[draft.pk])).context["has_change_permission"]
    response = admin_client.post(reverse("admin:crm_quote_changelist"),
                                 {"action": "send_quotes", "_selected_action": [draft.pk, sent.pk]})
    assert response.status_code == 302
    assert Quote.objects.get(pk=draft.pk).status == "sent"
    assert Event.objects.filter(name="crm.quote.sent").count() == 2
    assert AuditRecord.objects.filter(content_type__model="quote", object_id=str(draft.pk), action="send").exists()


def test_every_crm_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    assert [m.__name__ for m in apps.get_app_config("crm").get_models() if m not in admin.site._registry] == []
