"""ERP admin: a confirmed sales order is read-only there; the actions confirm and cancel through the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditRecord, Event
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import sales_order_confirm, sales_order_create
from tests.crm.factories import CustomerProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, company, make_user):
    client.force_login(make_user(company, "Sales", is_staff=True))
    return client


def _order(company, sales, customer, product, price="5"):
    return sales_order_create(company=company, actor=sales, customer=customer, lines=[
        {"item": product, "quantity": Decimal(1), "unit_price": Decimal(price), "tax_rate": Decimal(0)}])


def test_a_confirmed_order_is_read_only_and_drafts_are_confirmed_by_the_action(admin_client, company, customer,
                                                                               product, sales):
    confirmed = sales_order_confirm(sales_order=_order(company, sales, customer, product), actor=sales)
    draft = _order(company, sales, customer, product)
    page = admin_client.get(reverse("admin:erp_salesorder_change", args=[confirmed.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(reverse("admin:erp_salesorder_change", args=[confirmed.pk]),
                             {"notes": "x"}).status_code == 403
    assert SalesOrder.objects.get(pk=confirmed.pk).notes == ""
    assert admin_client.get(reverse("admin:erp_salesorder_change", args=[draft.pk])).context["has_change_permission"]
    response = admin_client.post(reverse("admin:erp_salesorder_changelist"),
                                 {"action": "confirm_orders", "_selected_action": [draft.pk, confirmed.pk]})
    assert response.status_code == 302
    assert SalesOrder.objects.get(pk=draft.pk).status == SalesOrderStatus.CONFIRMED
    assert Event.objects.filter(name="erp.sales_order.confirmed").count() == 2
    assert AuditRecord.objects.filter(content_type__model="salesorder", object_id=str(draft.pk),
                                      action="confirm").exists()


def test_the_confirm_action_reports_a_credit_limit_refusal(admin_client, company, customer, product, sales):
    CustomerProfileFactory(company=company, party=customer, credit_limit=Decimal("1.00"))
    draft = _order(company, sales, customer, product)
    response = admin_client.post(reverse("admin:erp_salesorder_changelist"),
                                 {"action": "confirm_orders", "_selected_action": [draft.pk]}, follow=True)
    assert "Credit limit of Tractors Inc exceeded" in response.content.decode()
    assert SalesOrder.objects.get(pk=draft.pk).status == SalesOrderStatus.DRAFT


def test_every_erp_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    assert [m.__name__ for m in apps.get_app_config("erp").get_models() if m not in admin.site._registry] == []
