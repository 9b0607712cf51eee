"""Sales-order screens: list/detail/create/edit with inline lines (generic mixins), the workflow buttons, the
acknowledgement PDF, the home queue and the sidebar."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import sales_order_create
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.erp.factories import SalesOrderFactory, SalesOrderLineFactory
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests
from tests.scm.factories import ShipmentFactory

D = Decimal


class TestSalesOrderUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Sales", "Engineering"
    url_prefix = "erp:salesorder"
    factory = SalesOrderFactory
    inline_prefixes = ["lines"]
    child_factories = [(SalesOrderLineFactory, "order")]

    def create_form_data(self, company):
        return {"customer": PartyFactory(company=company, is_customer=True).pk, "payment_terms_days": "30",
                "lines-TOTAL_FORMS": "1", "lines-0-item": ReleasedItemFactory(company=company).pk,
                "lines-0-quantity": "2", "lines-0-unit_price": "10", "lines-0-discount_percent": "0"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "notes": "Deliver to gate 3"}


@pytest.fixture
def web_sales(client, sales):
    client.force_login(sales)
    return client


@pytest.mark.django_db
def test_detail_shows_lines_totals_buttons_and_the_pdf(web_sales, company, sales, customer, product):
    order = sales_order_create(company=company, actor=sales, customer=customer, lines=[
        {"item": product, "quantity": D("3"), "unit_price": D("12.345"), "discount_percent": D("10"),
         "tax_rate": D("19")}])
    page = web_sales.get(reverse("erp:salesorder_detail", args=[order.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="total">33.33<' in html
    assert 'data-testid="total-with-tax">39.66<' in html
    assert reverse("erp:salesorder_pdf", args=[order.pk]) in html
    assert "Confirm this sales order?" in html  # the confirm button asks first
    pdf = web_sales.get(reverse("erp:salesorder_pdf", args=[order.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_detail_lists_the_orders_shipments_with_links_and_status(web_sales, company, other_company, sales, customer,
                                                               product):
    order = sales_order_create(company=company, actor=sales, customer=customer, lines=[
        {"item": product, "quantity": D("1"), "unit_price": D("1")}])
    ours = ShipmentFactory(company=company, customer=customer, sales_order_number=order.number)
    ShipmentFactory(company=other_company, sales_order_number=order.number)  # the same number elsewhere
    html = web_sales.get(reverse("erp:salesorder_detail", args=[order.pk])).content.decode()
    assert f'<a href="{ours.get_absolute_url()}">{ours.number}</a> Draft' in html
    assert html.count('data-testid="so-shipments"') == 1
    assert html.count("SH-T-") == 1


@pytest.mark.django_db
def test_confirm_button_confirms_and_the_pdf_of_another_company_is_404(web_sales, company, other_company, sales,
                                                                      customer, product):
    order = sales_order_create(company=company, actor=sales, customer=customer, lines=[
        {"item": product, "quantity": D("1"), "unit_price": D("1")}])
    response = web_sales.post(reverse("erp:salesorder_action", args=[order.pk, "confirm"]))
    assert response.status_code == 302
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.CONFIRMED
    theirs = SalesOrderFactory(company=other_company)
    assert web_sales.get(reverse("erp:salesorder_pdf", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db
def test_home_queue_and_sidebar_show_sales_orders_to_confirm(web_sales, company, customer):
    SalesOrderFactory(company=company, customer=customer)
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.CONFIRMED)
    html = web_sales.get("/").content.decode()
    assert "Sales orders to confirm" in html
    assert reverse("erp:salesorder_list") in html
