"""The demo data: the books of both demo companies, entries that balance, staff; a second run changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Company
from apps.erp.models import Account, Employee, JournalEntry
from apps.erp.selectors import balance_sheet, trial_balance
from apps.erp.services.accounts import STANDARD_CHART

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_balanced_books_once():
    call_command("seed_demo", verbosity=0)
    demo = Company.objects.get(code="DEMO")
    counts = (JournalEntry.objects.filter(company=demo).count(), Employee.objects.filter(company=demo).count())
    assert counts == (8, 5)
    assert Account.objects.filter(company=Company.objects.get(code="DEMO2")).count() == len(STANDARD_CHART)
    assert JournalEntry.objects.filter(company=demo, status="draft").count() == 1
    assert JournalEntry.objects.filter(company=demo, status="reversed").count() == 1
    today = timezone.localdate()
    assert trial_balance(company=demo, date=today).difference == 0
    assert balance_sheet(company=demo, date=today).difference == 0
    call_command("seed_demo", verbosity=0)
    assert (JournalEntry.objects.filter(company=demo).count(), Employee.objects.filter(company=demo).count()) == counts
