"""PLM fixtures: users per role and a small product structure built through the services."""

from decimal import Decimal

import pytest

from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create
from tests.plm.factories import unit


@pytest.fixture
def engineer(company, make_user):
    return make_user(company, "Engineering", username="eddie")


@pytest.fixture
def quality(company, make_user):
    return make_user(company, "Quality", username="quinn")


@pytest.fixture
def new_item(company, user):
    def make(number: str, *, uom: str = "ea", item_type: str = "make", cost: str = "0", target=None):
        return item_create(company=target or company, number=number, name=f"Item {number}", uom=unit(uom),
                           item_type=item_type, standard_cost=Decimal(cost), actor=user)

    return make


def draft(item):
    return item.revisions.get(status__in=["draft", "in_review"])


@pytest.fixture
def add_line(user):
    def add(parent, component, quantity="1", *, uom=None, scrap="0", position=None):
        return bom_line_add(revision=draft(parent), component=component, quantity=Decimal(quantity),
                            uom=unit(uom) if uom else None, scrap_percent=Decimal(scrap), position=position,
                            actor=user)

    return add


@pytest.fixture
def release(engineer, quality):
    """release(*items) → the released ECO of their open revisions (approved by Engineering and Quality)."""

    def run(*items):
        order = change_order_create(company=items[0].company, title="Release", actor=engineer,
                                    revisions=[draft(i) for i in items])
        change_order_submit(change_order=order, actor=engineer)
        change_order_approve(change_order=order, actor=engineer)
        change_order_approve(change_order=order, actor=quality)
        return change_order_release(change_order=order, actor=engineer)

    return run


@pytest.fixture
def tractor(new_item, add_line):
    """A 3-level structure with a shared component, a scrap rate and a unit conversion:

    TR-1 ─┬ 10: 2 ea WHEEL-1 ─┬ 10: 1 ea RIM-1 (cost 20)
          │                   └ 20: 4 ea BOLT-1 (cost 0.50)
          ├ 20: 1 ea FRAME-1 ─┬ 10: 3 m TUBE-1 (cost 5, 10 % scrap)
          │                   └ 20: 500 g PAINT-1 (unit kg, cost 8)
          └ 30: 8 ea BOLT-1
    """
    items = {n: new_item(n) for n in ("TR-1", "WHEEL-1", "FRAME-1")}
    items["RIM-1"] = new_item("RIM-1", item_type="buy", cost="20")
    items["BOLT-1"] = new_item("BOLT-1", item_type="buy", cost="0.50")
    items["TUBE-1"] = new_item("TUBE-1", uom="m", item_type="buy", cost="5")
    items["PAINT-1"] = new_item("PAINT-1", uom="kg", item_type="buy", cost="8")
    add_line(items["TR-1"], items["WHEEL-1"], "2", position=10)
    add_line(items["TR-1"], items["FRAME-1"], "1", position=20)
    add_line(items["TR-1"], items["BOLT-1"], "8", position=30)
    add_line(items["WHEEL-1"], items["RIM-1"], "1", position=10)
    add_line(items["WHEEL-1"], items["BOLT-1"], "4", position=20)
    add_line(items["FRAME-1"], items["TUBE-1"], "3", scrap="10", position=10)
    add_line(items["FRAME-1"], items["PAINT-1"], "500", uom="g", position=20)
    return items
