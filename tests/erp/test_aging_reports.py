"""AR and AP aging on a hand-made example: buckets by days overdue at a date, per party, in company currency, credit
notes negative, paid and later documents left out; the API and the screens (CSV, bucket links)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from apps.core.models import Currency, ExchangeRate
from apps.erp.aging import PAYABLES, RECEIVABLES, aging_data, bucket_of, overdue_receivables
from apps.erp.models import Invoice, VendorBill
from apps.erp.services.invoices import credit_note_create, invoice_post
from tests.core.factories import PartyFactory
from tests.erp.ar_support import posted_invoice

D = Decimal
pytestmark = pytest.mark.django_db
AT = datetime.date(2026, 6, 30)


def days_before(n: int) -> datetime.date:
    return AT - datetime.timedelta(days=n)


@pytest.fixture
def example(company, accountant, customer):
    """Tractors Inc: 119.00 not due, 238.00 10 days overdue, a 59.50 credit note; Mowers Ltd: 100 USD (90.00 EUR)
    45 days overdue and 11.90 120 days overdue; a paid invoice and one dated after the report's date."""
    mowers = PartyFactory(company=company, name="Mowers Ltd", is_customer=True)
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=days_before(200),
                                rate=D("0.9"))

    def invoice(party, amount, due_days_ago, **kwargs):
        due = days_before(due_days_ago)
        return posted_invoice(company, accountant, party, amount=amount, invoice_date=due - datetime.timedelta(
            days=30), payment_terms_days=30, **kwargs)

    invoice(customer, "100.00", -5)
    credited = invoice(customer, "200.00", 10)
    invoice_post(invoice=credit_note_create(invoice=invoice(customer, "50.00", 20), actor=accountant,
                                            invoice_date=days_before(3)), actor=accountant)  # fully applied: gone
    note = credit_note_create(invoice=credited, actor=accountant, invoice_date=days_before(2),
                              lines=[{"line": credited.lines.get(), "quantity": D("0.25")}])
    invoice_post(invoice=note, actor=accountant)  # 59.50 off 238.00 → 178.50 due
    invoice(mowers, "100.00", 45, tax_rate="0", currency=usd)
    invoice(mowers, "10.00", 120)
    posted_invoice(company, accountant, mowers, amount="5.00", invoice_date=AT + datetime.timedelta(days=1))
    return mowers


def test_buckets_are_days_past_due():
    assert [bucket_of(n) for n in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "not_due", "not_due", "days_1_30", "days_1_30", "days_31_60", "days_31_60", "days_61_90", "days_61_90",
        "over_90"]


def test_ar_aging_per_customer_in_company_currency(company, customer, example):
    data = aging_data(company=company, side=RECEIVABLES, date=AT)
    rows = {row["name"]: {k: row[k] for k in ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90",
                                              "total")} for row in data["rows"]}
    assert rows == {
        "Mowers Ltd": {"not_due": D(0), "days_1_30": D(0), "days_31_60": D("90.00"), "days_61_90": D(0),
                       "over_90": D("11.90"), "total": D("101.90")},
        "Tractors Inc": {"not_due": D("119.00"), "days_1_30": D("178.50"), "days_31_60": D(0), "days_61_90": D(0),
                         "over_90": D(0), "total": D("297.50")}}
    assert data["totals"]["total"] == D("399.40")
    assert data["currency"] == "EUR"
    assert overdue_receivables(company=company, date=AT) == D("280.40")


def test_an_unapplied_credit_note_counts_negative(company, accountant, customer):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=days_before(10))
    from apps.erp.services.payments import payment_create, payment_post

    payment_post(payment=payment_create(company=company, actor=accountant, direction="received", party=customer,
                                        amount=D("119.00"), payment_date=days_before(5),
                                        allocations=[{"invoice": invoice, "amount": D("119.00")}]), actor=accountant)
    invoice_post(invoice=credit_note_create(invoice=invoice, actor=accountant, invoice_date=days_before(1)),
                 actor=accountant)
    assert aging_data(company=company, side=RECEIVABLES, date=AT)["totals"]["total"] == D("-119.00")


def test_ap_aging_of_bills(company, client, accountant):
    supplier = PartyFactory(company=company, name="Steel AG", is_supplier=True)
    for due, amount, status in ((days_before(70), "300.00", "posted"), (days_before(0), "40.00", "partially_paid"),
                                (days_before(200), "99.00", "paid")):
        VendorBill.objects.create(company=company, supplier=supplier, number=f"B-{amount}", bill_date=days_before(
            250), due_date=due, currency=company.currency, status=status, total_with_tax=D(amount),
            amount_due=D(0) if status == "paid" else D(amount))
    data = aging_data(company=company, side=PAYABLES, date=AT)
    row = data["rows"][0]
    assert (row["name"], row["not_due"], row["days_61_90"], row["total"]) == ("Steel AG", D("40.00"), D("300.00"),
                                                                              D("340.00"))
    # the 61-90 days amount opens the bill list filtered to that bucket: the 300.00 bill only
    client.force_login(accountant)
    html = client.get("/erp/reports/ap-aging/", {"date": AT.isoformat()}).content.decode()
    link = f"/erp/bills/?unpaid=true&amp;bill_date_to=2026-06-30&amp;supplier={supplier.pk}" \
           "&amp;due_date_from=2026-04-01&amp;due_date_to=2026-04-30"
    assert link in html
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert "B-300.00" in listed
    assert "B-40.00" not in listed
    assert "B-99.00" not in listed


def test_api_and_screen(client, api_for, company, accountant, customer, example):
    client.force_login(accountant)
    response = api_for(accountant).get("/api/v1/erp/reports/ar-aging/", {"date": AT.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["currency"], body["totals"]["total"], len(body["rows"])) == ("EUR", "399.40", 2)
    assert api_for(accountant).get("/api/v1/erp/reports/ar-aging/", {"date": "x"}).json()["errors"][0]["attr"] == "date"
    assert api_for(accountant).get("/api/v1/erp/reports/ap-aging/").status_code == 200
    page = client.get("/erp/reports/ar-aging/", {"date": AT.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mowers Ltd" in html
    link = f"/erp/invoices/?unpaid=true&amp;invoice_date_to=2026-06-30&amp;customer={example.pk}" \
           "&amp;due_date_from=2026-05-01&amp;due_date_to=2026-05-30"
    assert link in html  # Mowers' 31-60 days amount links to its invoices
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    in_bucket = Invoice.objects.get(customer=example, currency__code="USD").number
    assert in_bucket in listed
    assert Invoice.objects.filter(customer=example).exclude(number=in_bucket).first().number not in listed
    exported = client.get("/erp/reports/ar-aging/", {"date": AT.isoformat(), "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:3] == ["party", "name", "not_due"]
    assert rows[-1][-1] == "399.40"
