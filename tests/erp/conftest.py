"""ERP fixtures: an accountant, a finance manager, the standard chart and journals of the company."""

import datetime

import pytest

from apps.erp.choices import JournalKind
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure, journal_for

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def accountant(company, make_user):
    return make_user(company, "Finance", username="fiona")


@pytest.fixture
def manager(company, make_user):
    return make_user(company, "Manager", username="mona")


@pytest.fixture
def chart(company):
    """The company's standard chart: rule → account."""
    chart_of_accounts_ensure(company=company)
    return lambda rule: account_for(company=company, rule=rule)


@pytest.fixture
def general(company, chart):
    return journal_for(company=company, kind=JournalKind.GENERAL)
