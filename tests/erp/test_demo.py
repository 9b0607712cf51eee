"""The demo data: the books of both demo companies, entries that balance, staff; a second run changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Company
from apps.erp.models import Account, Employee, JournalEntry
from apps.erp.selectors import balance_sheet, trial_balance

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_balanced_books_once():
    call_command("seed_demo", verbosity=0)
    demo = Company.objects.get(code="DEMO")
    # the books' own entries and the posted demo vendor bill (the demo invoices and payments post theirs:
    # tests/erp/test_invoices_demo.py)
    books = JournalEntry.objects.filter(company=demo).exclude(source_type__model__in=["invoice", "payment"])
    counts = (books.count(), Employee.objects.filter(company=demo).count())
    assert counts == (9, 5)  # 8 of the books + the posted demo vendor bill (bills_demo)
    assert Account.objects.filter(company=Company.objects.get(code="DEMO2")).count() == 18
    assert JournalEntry.objects.filter(company=demo, status="draft").count() == 1
    assert JournalEntry.objects.filter(company=demo, status="reversed").count() == 1
    today = timezone.localdate()
    assert trial_balance(company=demo, date=today).difference == 0
    assert balance_sheet(company=demo, date=today).difference == 0
    call_command("seed_demo", verbosity=0)
    assert (books.count(), Employee.objects.filter(company=demo).count()) == counts
    assert JournalEntry.objects.filter(company=demo).count() == counts[0] + 5
