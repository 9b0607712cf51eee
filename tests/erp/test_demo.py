"""The demo data: the books of both demo companies, entries that balance, staff; a second run changes nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Company
from apps.erp.inventory_valuation import inventory_valuation_data
from apps.erp.models import Account, Employee, JournalEntry, Period
from apps.erp.selectors import balance_sheet, trial_balance
from apps.erp.services.accounts import STANDARD_CHART

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_balanced_books_once():
    call_command("seed_demo", verbosity=0)
    demo = Company.objects.get(code="DEMO")
    # the books' own entries: not those of the demo's documents (invoices, payments, bills) nor of other modules'
    # events (receipts, shipments, completions: tests/erp/test_postings_*.py)
    books = (JournalEntry.objects.filter(company=demo, source_event_id__isnull=True)
             .exclude(source_type__model__in=["invoice", "payment", "vendorbill"]))
    counts = (books.count(), Employee.objects.filter(company=demo).count())
    assert counts == (5, 5)  # capital, rent booked wrongly, its reversal, rent; the draft electricity accrual
    assert Account.objects.filter(company=Company.objects.get(code="DEMO2")).count() == len(STANDARD_CHART)
    assert JournalEntry.objects.filter(company=demo, status="draft").count() == 1
    assert JournalEntry.objects.filter(company=demo, status="reversed").count() == 1
    today = timezone.localdate()
    assert trial_balance(company=demo, date=today).difference == 0
    assert balance_sheet(company=demo, date=today).difference == 0
    # SCM's and MES's demo (receipts, shipments, completions) are booked by the posting rules: the inventory
    # accounts hold exactly SCM's stock value
    valuation = inventory_valuation_data(company=demo, date=today)
    assert valuation["totals"]["stock_value"] > 0
    assert {c["category"]: c["difference"] for c in valuation["categories"]} == {
        "raw_material": 0, "finished_goods": 0, "wip": 0}
    # the months that ended more than two months ago are closed, the recent ones open
    horizon = today - datetime.timedelta(days=62)
    periods = Period.objects.filter(company=demo)
    assert not periods.filter(status="open", end__lt=horizon).exists()
    assert periods.filter(status="open", end__gte=horizon).exists()
    every = JournalEntry.objects.filter(company=demo).count()
    call_command("seed_demo", verbosity=0)
    assert (books.count(), Employee.objects.filter(company=demo).count()) == counts
    assert JournalEntry.objects.filter(company=demo).count() == every
