"""ERP fixtures: a sales user, a customer, a released product and an unreleased one, a warehouse with stock."""

import pytest

from apps.core.models import Currency
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import ItemFactory, WarehouseFactory


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
