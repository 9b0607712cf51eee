"""ERP fixtures: an accountant, a finance manager, the standard chart and journals of the company; a sales user, a
customer, a released product and an unreleased one, a warehouse."""

import datetime

import pytest

from apps.core.models import Currency
from apps.erp.choices import JournalKind
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure, journal_for

# the customer-facing fixtures are CRM's: the same sales user, customer, released product and unreleased item
from tests.crm.conftest import customer, product, sales, unreleased  # noqa: F401
from tests.scm.factories import WarehouseFactory

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






@pytest.fixture
def warehouse(company):
    return WarehouseFactory(company=company, code="MAIN")


@pytest.fixture
def usd(db):
    return Currency.objects.get(code="USD")
