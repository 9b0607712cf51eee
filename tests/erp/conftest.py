"""ERP fixtures: an accountant, a finance manager, the standard chart and journals of the company; a sales user, a
customer, a released product and an unreleased one, a warehouse."""

import datetime

import pytest

from apps.core.models import Currency
from apps.erp.choices import JournalKind
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure, journal_for
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import ItemFactory, WarehouseFactory

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
def sales(company, make_user):
    return make_user(company, "Sales", username="sally")


@pytest.fixture
def customer(company):
    return PartyFactory(company=company, name="Tractors Inc", email="buy@tractors.example", is_customer=True)


@pytest.fixture
def product(company):
    return ReleasedItemFactory(company=company, number="TR-1", name="Garden tractor")


@pytest.fixture
def unreleased(company):
    """An item whose revision is still in draft: not for sale."""
    return ItemFactory(company=company, number="PROTO-1", name="Prototype")


@pytest.fixture
def warehouse(company):
    return WarehouseFactory(company=company, code="MAIN")


@pytest.fixture
def usd(db):
    return Currency.objects.get(code="USD")
