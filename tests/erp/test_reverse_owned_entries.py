"""A posted entry that belongs to a document (invoice, bill, payment) or books another module's event is never
reversed by hand (service, API): the document's own correction or the module's reversal posts the correction, once;
a manual entry still is."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.errors import ConflictError
from apps.erp.services.entries import journal_entry_reverse
from apps.erp.services.payments import payment_create, payment_post, payment_reverse
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.erp.ar_support import posted_invoice
from tests.erp.postings_helpers import deliver_postings, entry_of, inventory_balance, last_event, stock_value
from tests.scm.factories import purchasing_world

pytestmark = pytest.mark.django_db
D = Decimal


def test_an_invoices_entry_is_reversed_only_through_the_invoice(company, accountant, customer, api_for):
    invoice = posted_invoice(company, accountant, customer, amount="100.00")
    with pytest.raises(ConflictError) as refused:
        journal_entry_reverse(entry=invoice.entry, actor=accountant)
    assert refused.value.code == "reverse_through_document"
    assert "reverse or credit that document" in str(refused.value)
    response = api_for(accountant).post(f"/api/v1/erp/journal-entries/{invoice.entry.pk}/reverse/", {},
                                        format="json")
    assert response.status_code == 409, response.content
    invoice.entry.refresh_from_db()
    assert (invoice.entry.status, invoice.entry.reversed_by_id) == ("posted", None)


def test_a_payments_entry_is_reversed_by_reversing_the_payment(company, accountant, customer):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", tax_rate="0")
    payment = payment_post(payment=payment_create(
        company=company, actor=accountant, direction="received", party=customer, amount=D("100.00"),
        allocations=[{"invoice": invoice, "amount": D("100.00")}]), actor=accountant)
    with pytest.raises(ConflictError):
        journal_entry_reverse(entry=payment.entry, actor=accountant)
    reversed_ = payment_reverse(payment=payment, actor=accountant)
    reversed_.entry.refresh_from_db()
    assert reversed_.entry.status == "reversed"
    invoice.refresh_from_db()
    assert invoice.amount_due == D("100.00")


def test_an_event_posting_is_corrected_where_the_stock_moved(company, chart, user, client):
    world = purchasing_world(company)
    stock_move_post(company=company, item=world.item, quantity=D(4), unit_cost=D("2.50"), actor=user,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock)
    deliver_postings()
    entry = entry_of(last_event("scm.stock.moved"))
    with pytest.raises(ConflictError) as refused:
        journal_entry_reverse(entry=entry, actor=user)
    assert "correct it where it happened" in str(refused.value)
    assert inventory_balance(company) == stock_value(company) == D("10.00")
    client.force_login(user)
    detail = client.get(reverse("erp:journalentry_detail", args=[entry.pk]))
    assert reverse("erp:journalentry_action", args=[entry.pk, "reverse"]) not in detail.content.decode()
    page = client.post(reverse("erp:journalentry_action", args=[entry.pk, "reverse"]), follow=True)
    assert page.status_code == 200
    assert "correct it where it happened" in page.content.decode()  # a stale button is answered with the reason
    entry.refresh_from_db()
    assert entry.status == "posted"  # the button answers with the message; nothing was reversed
