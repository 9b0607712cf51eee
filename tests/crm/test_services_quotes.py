"""Quotes: totals on hand-computed examples (per-line rounding, EUR and JPY), released items only, prices from
the most specific price list, versions, send / accept (the event ERP reads) / expiry, available-to-promise."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, Currency, Event, Party
from apps.crm.models import Quote, TimelineEntry
from apps.crm.selectors import Availability, price_for
from apps.crm.services.pipeline import opportunity_create
from apps.crm.services.quotes import (
    line_amounts,
    quote_accept,
    quote_create,
    quote_reject,
    quote_revise,
    quote_send,
    quote_update,
    quotes_expire_past_validity,
)
from apps.crm.tasks import expire_quotes
from tests.crm.factories import CustomerProfileFactory, PriceBreakFactory, PriceListFactory, SegmentFactory
from tests.scm.factories import LocationFactory, StockQuantFactory

pytestmark = pytest.mark.django_db
D = Decimal


def line(item, quantity, price, discount="0", tax="19"):
    return {"item": item, "quantity": D(quantity), "unit_price": D(price), "discount_percent": D(discount),
            "tax_rate": D(tax)}


def test_totals_round_each_line_half_up_in_eur(company, customer, product, sales):
    # 3 x 19.99 = 59.97; x (1 - 7.5 %) = 55.47225 -> 55.47; tax 19 % = 10.5393 -> 10.54; with tax 66.01
    quote = quote_create(company=company, actor=sales, customer=customer, lines=[line(product, "3", "19.99", "7.5")])
    saved = quote.lines.get()
    assert (saved.net, saved.tax) == (D("55.47"), D("10.54"))
    assert (quote.total, quote.total_tax, quote.total_with_tax) == (D("55.47"), D("10.54"), D("66.01"))


def test_totals_in_jpy_have_no_decimals(company, customer, product, sales, jpy):
    # 55.47225 -> 55 yen; tax 55 x 19 % = 10.45 -> 10; with tax 65
    quote = quote_create(company=company, actor=sales, customer=customer, currency=jpy,
                         lines=[line(product, "3", "19.99", "7.5")])
    assert (quote.total, quote.total_tax, quote.total_with_tax) == (D("55"), D("10"), D("65"))
    assert quote.lines.get().net == D("55")


def test_the_totals_are_the_sums_of_the_rounded_lines_and_halves_round_up(company, customer, product, sales):
    # two lines of 0.125 -> 0.13 each: total 0.26 (rounding the sum would give 0.25); tax 0.0247 -> 0.02 each: 0.04
    quote = quote_create(company=company, actor=sales, customer=customer,
                         lines=[line(product, "1", "0.125"), line(product, "1", "0.125")])
    assert (quote.total, quote.total_tax, quote.total_with_tax) == (D("0.26"), D("0.04"), D("0.30"))
    assert line_amounts(quantity=D(1), unit_price=D("2.345"), discount_percent=D(0), tax_rate=D(0),
                        currency=quote.currency) == (D("2.35"), D("0.00"))


def test_an_unreleased_item_is_refused_naming_the_line_and_nothing_is_written(company, customer, product, unreleased,
                                                                              sales):
    with pytest.raises(DomainError) as caught:
        quote_create(company=company, actor=sales, customer=customer,
                     lines=[line(product, "1", "10"), line(unreleased, "1", "10")])
    assert (caught.value.field, caught.value.code) == ("lines.1.item", "not_released")
    assert caught.value.message == "Line 2: PROTO-1 has no released revision and cannot be quoted."
    assert not Quote.objects.exists()


def test_only_customers_and_items_of_the_company_are_quoted(company, other_company, customer, product, sales):
    supplier = Party.objects.create(company=company, number="S-1", name="Supplier", is_supplier=True)
    with pytest.raises(DomainError) as caught:
        quote_create(company=company, actor=sales, customer=supplier, lines=[line(product, "1", "1")])
    assert caught.value.code == "not_a_customer"
    with pytest.raises(DomainError) as caught:
        quote_create(company=other_company, actor=sales, customer=customer, lines=[line(product, "1", "1")])
    assert caught.value.field == "customer"


@pytest.fixture
def price_lists(company, customer, product, jpy):
    """General (100, from 10: 90), the customer's segment (95), the customer's own (80, expired yesterday),
    a general list in JPY (12000)."""
    segment = SegmentFactory(company=company, name="Dealers")
    CustomerProfileFactory(company=company, party=customer, segment=segment)
    general = PriceListFactory(company=company, name="General")
    PriceBreakFactory(price_list=general, item=product, min_quantity=D(0), unit_price=D(100))
    PriceBreakFactory(price_list=general, item=product, min_quantity=D(10), unit_price=D(90))
    dealers = PriceListFactory(company=company, name="Dealers", segment=segment)
    PriceBreakFactory(price_list=dealers, item=product, min_quantity=D(0), unit_price=D(95))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    own = PriceListFactory(company=company, name="Own", customer=customer, valid_to=yesterday)
    PriceBreakFactory(price_list=own, item=product, min_quantity=D(0), unit_price=D(80))
    yen = PriceListFactory(company=company, name="Yen", currency=jpy)
    PriceBreakFactory(price_list=yen, item=product, min_quantity=D(0), unit_price=D(12000))
    return {"general": general, "dealers": dealers, "own": own, "segment": segment}


def test_price_for_picks_the_most_specific_valid_list_and_the_best_break(company, customer, product, price_lists,
                                                                          jpy):
    today = timezone.localdate()
    eur = company.currency
    found = price_for(company=company, customer=customer, item=product, quantity=D(1), currency=eur, date=today)
    assert (found.price_list, found.unit_price) == (price_lists["dealers"], D(95))  # the customer's own expired
    yesterday = today - datetime.timedelta(days=1)
    found = price_for(company=company, customer=customer, item=product, quantity=D(1), currency=eur, date=yesterday)
    assert (found.price_list, found.unit_price) == (price_lists["own"], D(80))
    stranger = Party.objects.create(company=company, number="C-9", name="Walk-in", is_customer=True)
    assert price_for(company=company, customer=stranger, item=product, quantity=D(9), currency=eur,
                     date=today).unit_price == D(100)
    assert price_for(company=company, customer=stranger, item=product, quantity=D(10), currency=eur,
                     date=today).unit_price == D(90)
    assert price_for(company=company, customer=stranger, item=product, quantity=D(1), currency=jpy,
                     date=today).unit_price == D(12000)
    price_lists["general"].is_active = False
    price_lists["general"].save()
    assert price_for(company=company, customer=stranger, item=product, quantity=D(1), currency=eur,
                     date=today) is None


def test_a_line_without_a_price_takes_the_price_list_or_is_refused(company, customer, product, price_lists, sales):
    quote = quote_create(company=company, actor=sales, customer=customer,
                         lines=[{"item": product, "quantity": D(2)}])
    saved = quote.lines.get()
    assert (saved.unit_price, saved.price_list, saved.tax_rate, saved.net) == (D(95), price_lists["dealers"],
                                                                               D(19), D("190.00"))
    with pytest.raises(DomainError) as caught:
        quote_create(company=company, actor=sales, customer=customer, currency=Currency.objects.get(code="GBP"),
                     lines=[{"item": product, "quantity": D(2)}])
    assert (caught.value.field, caught.value.code) == ("lines.0.unit_price", "no_price")


def test_send_then_accept_emits_the_lines_erp_needs_and_wins_the_opportunity(company, customer, product, sales,
                                                                              stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet",
                                     amount=D(100))
    quote = quote_create(company=company, actor=sales, customer=customer, opportunity=opportunity,
                         lines=[line(product, "3", "19.99", "7.5")])
    with pytest.raises(TransitionNotAllowed):
        quote_accept(quote=quote, actor=sales)  # a draft is sent first
    quote_send(quote=quote, actor=sales)
    accepted = quote_accept(quote=quote, actor=sales)
    assert accepted.status == "accepted"
    event = Event.objects.get(name="crm.quote.accepted")
    assert (event.subject_type, event.subject_id) == ("crm.quote", str(quote.pk))
    assert event.payload == {
        "number": quote.number, "quote": quote.number, "version": 1, "quote_id": quote.pk,
        "customer_id": customer.pk, "customer_number": customer.number, "customer_name": "Tractors Inc",
        "opportunity_id": opportunity.pk, "currency": "EUR", "quote_date": quote.quote_date.isoformat(),
        "valid_until": quote.valid_until.isoformat(), "total": "55.47", "total_tax": "10.54",
        "total_with_tax": "66.01",
        "lines": [{"line_number": 1, "item_id": product.pk, "item": "TR-1", "description": "", "quantity": "3.0000",
                   "unit_price": "19.9900", "discount_percent": "7.50", "net": "55.47", "tax_rate": "19.00",
                   "tax": "10.54", "currency": "EUR"}],
    }
    opportunity.refresh_from_db()
    assert opportunity.status == "won"
    assert list(TimelineEntry.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True)) == [
        "quote_sent", "quote_accepted", "opportunity_won"]


def test_accepting_a_quote_past_its_validity_answers_409(company, customer, product, sales):
    last_month = timezone.localdate() - datetime.timedelta(days=40)
    quote = quote_create(company=company, actor=sales, customer=customer, quote_date=last_month,
                         valid_until=last_month + datetime.timedelta(days=30), lines=[line(product, "1", "10")])
    quote_send(quote=quote, actor=sales)
    with pytest.raises(ConflictError) as caught:
        quote_accept(quote=quote, actor=sales)
    assert (caught.value.status_code, caught.value.code, caught.value.field) == (409, "expired", "valid_until")
    assert not Event.objects.filter(name="crm.quote.accepted").exists()
    quote.refresh_from_db()
    assert quote.status == "sent"
    assert quotes_expire_past_validity() == [quote.number]
    quote.refresh_from_db()
    assert quote.status == "expired"
    with pytest.raises(TransitionNotAllowed):
        quote_accept(quote=quote, actor=sales)
    assert AuditRecord.objects.filter(content_type__model="quote", object_id=str(quote.pk),
                                      action="expire").count() == 1
    assert expire_quotes() == []  # the task: nothing left to expire


def test_revising_a_sent_quote_makes_version_2_and_keeps_version_1_read_only(company, customer, product, sales):
    first = quote_create(company=company, actor=sales, customer=customer, lines=[line(product, "2", "10")])
    quote_send(quote=first, actor=sales)
    second = quote_revise(quote=first, actor=sales)
    first.refresh_from_db()
    assert (second.number, second.version, second.status, second.previous_version) == (first.number, 2, "draft",
                                                                                        first)
    assert (first.status, first.version) == ("superseded", 1)
    assert [(x.item_id, x.quantity, x.net) for x in second.lines.all()] == [(product.pk, D(2), D("20.00"))]
    with pytest.raises(ConflictError):
        quote_update(instance=first, actor=sales, notes="changed")
    second = quote_update(instance=second, actor=sales, lines=[line(product, "3", "10")])
    assert (second.total, first.total) == (D("30.00"), D("20.00"))
    quote_send(quote=second, actor=sales)
    quote_reject(quote=second, actor=sales)
    third = quote_revise(quote=second, actor=sales)
    assert (third.version, Quote.objects.filter(number=first.number).count()) == (3, 3)


def test_available_to_promise_is_on_hand_minus_reserved_outside_quality_hold(company, product):
    StockQuantFactory(company=company, item=product, location=LocationFactory(company=company), on_hand=D(7),
                      reserved=D(2))
    StockQuantFactory(company=company, item=product, location=LocationFactory(company=company), on_hand=D(4))
    StockQuantFactory(company=company, item=product, on_hand=D(5),
                      location=LocationFactory(company=company, is_quality_hold=True))
    assert Availability().of(product) == D(9)
