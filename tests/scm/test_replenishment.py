"""Replenishment: projected available against reorder rules, proposals rounded to the multiple, no duplicates."""

from decimal import Decimal

import pytest

from apps.core.errors import DomainError
from apps.scm.choices import LocationKind, RequisitionSource, RequisitionStatus
from apps.scm.models import PurchaseRequisition
from apps.scm.selectors_purchasing import projected_available
from apps.scm.services.locations import virtual_location
from apps.scm.services.purchasing import purchase_order_create, requisition_cancel, requisitions_order
from apps.scm.services.replenishment import reorder_rule_create, replenishment_run
from apps.scm.services.stock import stock_move_post, stock_reserve
from apps.scm.tasks import propose_replenishment
from tests.scm.factories import ReorderRuleFactory, purchasing_world

D = Decimal


@pytest.fixture
def world(company, user):
    world = purchasing_world(company)
    stock_move_post(company=company, item=world.item, quantity=D(5),
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock, unit_cost=D(2), actor=user)
    world.rule = ReorderRuleFactory(company=company, item=world.item, warehouse=world.warehouse,
                                    min_quantity=D(10), max_quantity=D(50), multiple=D(12))
    return world


def test_below_minimum_proposes_up_to_max_rounded_up_to_the_multiple(world):
    [proposal] = replenishment_run(company=world.company)
    # projected 5 < min 10; 50 - 5 = 45, rounded up to multiples of 12: 48
    assert proposal.quantity == D(48)
    assert (proposal.source, proposal.status, proposal.reorder_rule, proposal.warehouse, proposal.supplier) == (
        RequisitionSource.REPLENISHMENT, RequisitionStatus.OPEN, world.rule, world.warehouse, world.supplier)


def test_an_open_proposal_is_never_duplicated(world):
    replenishment_run(company=world.company)
    assert replenishment_run(company=world.company) == []
    assert PurchaseRequisition.objects.count() == 1


def test_ordered_proposal_counts_as_incoming(world, user):
    [proposal] = replenishment_run(company=world.company)
    requisitions_order(requisitions=[proposal], actor=user)  # a draft PO of 48 for the warehouse
    assert projected_available(rule=world.rule) == D(53)
    assert replenishment_run(company=world.company) == []


def test_open_purchase_orders_count_as_incoming(world, user):
    purchase_order_create(company=world.company, actor=user, supplier=world.supplier, warehouse=world.warehouse,
                          lines=[{"item": world.item, "quantity": D(6)}])
    assert projected_available(rule=world.rule) == D(11)
    assert replenishment_run(company=world.company) == []


def test_reservations_reduce_projected_available(world, user):
    purchase_order_create(company=world.company, actor=user, supplier=world.supplier, warehouse=world.warehouse,
                          lines=[{"item": world.item, "quantity": D(6)}])
    stock_reserve(company=world.company, item=world.item, location=world.stock, quantity=D(3), actor=user)
    assert projected_available(rule=world.rule) == D(8)
    [proposal] = replenishment_run(company=world.company)
    assert proposal.quantity == D(48)  # 50 - 8 = 42 -> 48


def test_supplier_minimum_order_raises_the_proposal(world):
    world.supplier_item.minimum_order_quantity = D(100)
    world.supplier_item.save()
    [proposal] = replenishment_run(company=world.company)
    assert proposal.quantity == D(108)  # at least 100, in multiples of 12


def test_a_cancelled_proposal_lets_the_next_run_propose_again(world, user):
    [proposal] = replenishment_run(company=world.company)
    requisition_cancel(requisition=proposal, actor=user)
    [again] = replenishment_run(company=world.company)
    assert again.pk != proposal.pk


def test_inactive_rule_and_other_company_are_left_alone(world, other_company):
    other = purchasing_world(other_company)
    ReorderRuleFactory(company=other_company, item=other.item, warehouse=other.warehouse)
    world.rule.is_active = False
    world.rule.save()
    assert replenishment_run(company=world.company) == []
    assert not PurchaseRequisition.objects.filter(company=world.company).exists()


def test_rule_maximum_below_minimum_is_rejected(world, user):
    with pytest.raises(DomainError) as error:
        reorder_rule_create(company=world.company, actor=user, item=world.item, warehouse=world.warehouse,
                            min_quantity=D(10), max_quantity=D(5))
    assert error.value.field == "max_quantity"


def test_periodic_task_proposes_for_every_company(world):
    assert propose_replenishment.apply().get() == [PurchaseRequisition.objects.get().number]
