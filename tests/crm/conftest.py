"""CRM fixtures: users per role, a customer, released and unreleased products, the default pipeline."""

import pytest

from apps.core.models import Currency
from apps.crm.services.pipeline import pipeline_stages_ensure
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import ItemFactory


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
def stages(company):
    """The default pipeline of the company, by name."""
    return {stage.name: stage for stage in pipeline_stages_ensure(company=company)}


@pytest.fixture
def jpy(db):
    return Currency.objects.get(code="JPY")
