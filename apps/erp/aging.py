"""AR and AP aging: what customers owe (posted, unpaid invoices less unapplied credit notes) and what is owed to
suppliers (posted, unpaid bills), per party, in buckets of days overdue at a date, in the company's currency.

Buckets by days past the due date at `date`: not due (0 or less), 1-30, 31-60, 61-90, over 90. A document counts
with its current `amount_due` if it is dated on or before `date`, converted at the rate fixed when it was posted,
each document rounded on its own (`round_money`). A credit note's unapplied amount counts negative.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from apps.core.models import Company
from apps.core.money import round_money
from apps.erp.models import Invoice, VendorBill
from apps.erp.models.invoicing import UNPAID_STATUSES, InvoiceKind

ZERO = Decimal(0)
BUCKETS = [("not_due", "Not due"), ("days_1_30", "1-30 days"), ("days_31_60", "31-60 days"),
           ("days_61_90", "61-90 days"), ("over_90", "Over 90 days")]
BUCKET_KEYS = [key for key, _ in BUCKETS]
# the overdue days each bucket spans (None: open-ended)
SPANS = {"not_due": (None, 0), "days_1_30": (1, 30), "days_31_60": (31, 60), "days_61_90": (61, 90),
         "over_90": (91, None)}


@dataclass(frozen=True)
class Side:
    """Receivables or payables: which documents, their party and date fields, and their list page."""

    model: type
    party_field: str
    date_field: str
    list_url: str
    party_filter: str


RECEIVABLES = Side(Invoice, "customer", "invoice_date", "erp:invoice_list", "customer")
PAYABLES = Side(VendorBill, "supplier", "bill_date", "erp:vendorbill_list", "supplier")


def bucket_of(days_overdue: int) -> str:
    for key, (low, high) in SPANS.items():
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return key
    raise AssertionError(days_overdue)


def bucket_due_dates(bucket: str, date: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """(due from, due to) of the documents in a bucket at `date` (None: open-ended)."""
    low, high = SPANS[bucket]
    due_to = date - datetime.timedelta(days=low) if low is not None else None
    due_from = date - datetime.timedelta(days=high) if high is not None else None
    return due_from, due_to


def bucket_url(side: Side, date: datetime.date, bucket: str | None = None, party: int | None = None) -> str | None:
    """The filtered list of the documents behind an amount (None when that list is not installed)."""
    try:
        base = reverse(side.list_url)
    except NoReverseMatch:
        return None
    query = {"unpaid": "true", f"{side.date_field}_to": date.isoformat()}
    if party is not None:
        query[side.party_filter] = party
    if bucket is not None:
        due_from, due_to = bucket_due_dates(bucket, date)
        if due_from is not None:
            query["due_date_from"] = due_from.isoformat()
        if due_to is not None:
            query["due_date_to"] = due_to.isoformat()
    return f"{base}?{urlencode(query)}"


def aging_data(*, company: Company, side: Side, date: datetime.date) -> dict:
    """Per party: the amounts of each bucket and their total; the totals of every bucket (module docstring)."""
    currency = company.currency
    documents = (side.model.objects.filter(company=company, status__in=UNPAID_STATUSES, amount_due__gt=0,
                                           **{f"{side.date_field}__lte": date})
                 .select_related(side.party_field).order_by(f"{side.party_field}__name", "due_date", "pk"))
    parties: dict[int, dict] = {}
    totals = dict.fromkeys([*BUCKET_KEYS, "total"], ZERO)
    for document in documents:
        party = getattr(document, side.party_field)
        amount = round_money(document.amount_due * document.exchange_rate, currency)
        if getattr(document, "kind", InvoiceKind.INVOICE) == InvoiceKind.CREDIT_NOTE:
            amount = -amount
        due = document.due_date or getattr(document, side.date_field)
        bucket = bucket_of((date - due).days)
        row = parties.setdefault(party.pk, {"party": party.pk, "number": party.number, "name": party.name,
                                            "documents": 0, **dict.fromkeys([*BUCKET_KEYS, "total"], ZERO)})
        row[bucket] += amount
        row["total"] += amount
        row["documents"] += 1
        totals[bucket] += amount
        totals["total"] += amount
    rows = list(parties.values())
    for row in rows:
        row["links"] = {key: bucket_url(side, date, key, row["party"]) for key in [*BUCKET_KEYS]}
        row["links"]["total"] = bucket_url(side, date, party=row["party"])
    return {"company": company.pk, "currency": currency.code, "date": date,
            "buckets": [{"key": key, "label": label, "url": bucket_url(side, date, key)} for key, label in BUCKETS],
            "rows": rows, "totals": totals}


def overdue_receivables(*, company: Company, date: datetime.date) -> Decimal:
    """The company-currency total of invoices past their due date at `date` (the home page's KPI)."""
    data = aging_data(company=company, side=RECEIVABLES, date=date)
    return sum((data["totals"][key] for key in BUCKET_KEYS if key != "not_due"), ZERO)
