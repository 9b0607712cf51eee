"""Invoice and payment screens: list/detail/create/edit with inline rows (generic mixins), filters (status, customer,
overdue), the workflow buttons (post, credit, cancel, register payment), the PDF, the payment's allocation formset,
the home queues and KPI; the admin: posted documents read-only, the actions through the services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditRecord
from apps.erp.models import Invoice, Payment
from apps.erp.services.invoices import invoice_create
from tests.core.factories import PartyFactory
from tests.erp.ar_support import posted_invoice
from tests.erp.factories import InvoiceFactory, InvoiceLineFactory, PaymentFactory
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests

D = Decimal
DAY = datetime.date(2026, 3, 10)


class TestInvoiceUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Finance", "Engineering"
    url_prefix = "erp:invoice"
    factory = InvoiceFactory
    inline_prefixes = ["lines"]
    child_factories = [(InvoiceLineFactory, "invoice")]

    def create_form_data(self, company):
        return {"customer": PartyFactory(company=company, is_customer=True).pk, "payment_terms_days": "30",
                "lines-TOTAL_FORMS": "1", "lines-0-description": "Repair", "lines-0-quantity": "2",
                "lines-0-unit_price": "10", "lines-0-discount_percent": "0"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "notes": "Pay by transfer"}


class TestPaymentUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Finance", "Engineering"
    url_prefix = "erp:payment"
    factory = PaymentFactory
    inline_prefixes = ["allocations"]

    def create_form_data(self, company):
        return {"direction": "received", "party": PartyFactory(company=company, is_customer=True).pk,
                "amount": "25.00", "allocations-TOTAL_FORMS": "0"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "reference": "BANK-7"}


@pytest.fixture
def web(client, accountant):
    client.force_login(accountant)
    return client


@pytest.mark.django_db
def test_detail_buttons_post_credit_and_register_payment(web, company, accountant, customer):
    draft = invoice_create(company=company, actor=accountant, customer=customer, invoice_date=DAY, lines=[
        {"description": "Repair", "quantity": D(2), "unit_price": D(50), "tax_rate": D(19)}])
    html = web.get(reverse("erp:invoice_detail", args=[draft.pk])).content.decode()
    assert 'data-testid="total-with-tax">119.00<' in html
    assert "Post this document?" in html
    assert "Create credit note" not in html
    assert web.post(reverse("erp:invoice_action", args=[draft.pk, "post"])).status_code == 302
    invoice = Invoice.objects.get(pk=draft.pk)
    assert (invoice.status, invoice.amount_due) == ("posted", D("119.00"))
    html = web.get(reverse("erp:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Create credit note" in html
    assert 'data-testid="register-payment"' in html
    assert f"party={customer.pk}" in html
    pdf = web.get(reverse("erp:invoice_pdf", args=[invoice.pk]))
    assert pdf.content.startswith(b"%PDF")
    response = web.post(reverse("erp:invoice_action", args=[invoice.pk, "credit"]), {"invoice_date": "2026-03-11"},
                        follow=True)
    note = Invoice.objects.get(kind="credit_note")
    html = response.content.decode()
    assert f"Credit note {note.number} drafted from {invoice.number}" in html
    assert reverse("erp:invoice_detail", args=[note.pk]) in html
    assert (note.credited_invoice, note.total_with_tax, note.status) == (invoice, D("119.00"), "draft")


@pytest.mark.django_db
def test_payment_form_allocates_to_invoices_and_refusals_show_on_the_row(web, company, accountant, customer):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=DAY)
    data = {"direction": "received", "party": customer.pk, "payment_date": "2026-03-12", "amount": "200.00",
            "allocations-TOTAL_FORMS": "1", "allocations-INITIAL_FORMS": "0", "allocations-0-invoice": invoice.pk,
            "allocations-0-amount": "150.00"}
    refused = web.post(reverse("erp:payment_create"), data)
    assert refused.status_code == 400
    assert "119.00" in refused.content.decode()  # the amount due, named on the row
    response = web.post(reverse("erp:payment_create"), {**data, "allocations-0-amount": "119.00"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert web.post(reverse("erp:payment_action", args=[payment.pk, "post"])).status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.amount_unallocated) == ("posted", D("81.00"))
    html = web.get(reverse("erp:payment_detail", args=[payment.pk])).content.decode()
    assert invoice.number in html
    assert 'data-testid="unallocated">81.00<' in html
    invoice_page = web.get(reverse("erp:invoice_detail", args=[invoice.pk])).content.decode()
    assert payment.number in invoice_page


@pytest.mark.django_db
def test_list_filters_home_queues_and_kpi(web, company, accountant, customer):
    late = posted_invoice(company, accountant, customer, invoice_date=DAY, payment_terms_days=10)
    other = PartyFactory(company=company, is_customer=True, name="Mowers Ltd")
    fresh = posted_invoice(company, accountant, other, amount="5.00", invoice_date=timezone.localdate())
    html = web.get(reverse("erp:invoice_list"), {"overdue": "true"}).content.decode()
    assert late.number in html
    assert fresh.number not in html
    html = web.get(reverse("erp:invoice_list"), {"customer": other.pk}).content.decode()
    assert fresh.number in html
    assert late.number not in html
    home = web.get("/").content.decode()
    assert "Invoices overdue" in home
    assert "Receivables overdue" in home
    assert "119.00 EUR" in home
    assert reverse("erp:ar_aging") in home


@pytest.mark.django_db
def test_admin_posted_invoice_is_read_only_and_actions_use_the_services(client, company, make_user, customer):
    staff = make_user(company, "Finance", is_staff=True)
    client.force_login(staff)
    posted = posted_invoice(company, staff, customer)
    draft = invoice_create(company=company, actor=staff, customer=customer, lines=[
        {"description": "Repair", "quantity": D(1), "unit_price": D(10), "tax_rate": D(0)}])
    page = client.get(reverse("admin:erp_invoice_change", args=[posted.pk]))
    assert page.context["has_change_permission"] is False
    assert client.post(reverse("admin:erp_invoice_change", args=[posted.pk]), {"notes": "x"}).status_code == 403
    response = client.post(reverse("admin:erp_invoice_changelist"),
                           {"action": "post_invoices", "_selected_action": [draft.pk, posted.pk]}, follow=True)
    assert "already posted" in response.content.decode()
    assert Invoice.objects.get(pk=draft.pk).status == "posted"
    assert AuditRecord.objects.filter(content_type__model="invoice", object_id=str(draft.pk), action="post").exists()
    assert client.get(reverse("admin:erp_payment_changelist")).status_code == 200


@pytest.mark.django_db
def test_a_delivered_order_is_invoiced_from_its_page(web, company, sales, customer, product):
    from apps.erp.services.sales import sales_order_record_shipment
    from tests.erp.ar_support import confirmed_order, shipped_event

    order = confirmed_order(company, sales, customer, product)
    detail = reverse("erp:salesorder_detail", args=[order.pk])
    assert "Invoice delivered quantities" not in web.get(detail).content.decode()
    sales_order_record_shipment(event=shipped_event(order, [(product, "2")]))
    assert "Invoice delivered quantities" in web.get(detail).content.decode()
    response = web.post(reverse("erp:salesorder_action", args=[order.pk, "invoice_delivered"]))
    invoice = Invoice.objects.get()
    assert response["Location"] == invoice.get_absolute_url()
    assert (invoice.sales_order, invoice.lines.get().quantity) == (order, D(2))
    assert invoice.number in web.get(detail).content.decode()


@pytest.mark.django_db
def test_editing_a_shipment_invoice_keeps_its_sales_order_lines(web, company, sales, customer, product):
    from apps.erp.services.invoices import invoice_from_shipment_event
    from tests.erp.ar_support import confirmed_order, shipped_event

    order = confirmed_order(company, sales, customer, product)
    invoice = invoice_from_shipment_event(event=shipped_event(order, [(product, "2")]))
    line = invoice.lines.get()
    form = web.get(reverse("erp:invoice_update", args=[invoice.pk])).content.decode()
    assert f'name="lines-0-sales_order_line" value="{line.sales_order_line_id}"' in form
    data = {"customer": customer.pk, "currency": invoice.currency_id, "invoice_date": invoice.invoice_date,
            "payment_terms_days": "30", "notes": "Gate 3", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1",
            "lines-0-id": line.pk, "lines-0-item": product.pk, "lines-0-quantity": "2", "lines-0-unit_price": "40",
            "lines-0-discount_percent": "0", "lines-0-tax_rate": "19",
            "lines-0-sales_order_line": line.sales_order_line_id}
    response = web.post(reverse("erp:invoice_update", args=[invoice.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    invoice.refresh_from_db()
    assert (invoice.notes, invoice.lines.get().sales_order_line_id) == ("Gate 3", line.sales_order_line_id)
