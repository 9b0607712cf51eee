"""Phantom assemblies: a work order's release explodes them into the components of their own definitions."""

import datetime
from decimal import Decimal

import pytest

from apps.core.errors import DomainError
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import WorkOrderMaterial
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.plm.choices import ItemType, RevisionStatus
from apps.scm.models import Reservation
from tests.mes.factories import ManufacturingDefinitionFactory, ManufacturingDefinitionLineFactory
from tests.mes.plant import receive
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory

D = Decimal
DUE = datetime.date(2030, 3, 15)


def definition_of(company, item, lines, code="A", status=RevisionStatus.RELEASED):
    revision = RevisionFactory(released=True, company=company, item=item, code=code, status=status)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision, item=item)
    for position, (component, quantity, scrap) in enumerate(lines, start=1):
        ManufacturingDefinitionLineFactory(definition=definition, component=component, quantity=D(quantity),
                                           scrap_percent=D(scrap), position=10 * position)
    return revision


@pytest.fixture
def world(company, user):
    stock = LocationFactory(company=company, code="MAIN")
    screw, gasket, rivet = (ItemFactory(company=company, number=n) for n in ("SCREW", "GASKET", "RIVET"))
    kit = ItemFactory(made=True, company=company, number="KIT", item_type=ItemType.PHANTOM)
    frame = ItemFactory(made=True, company=company, number="FRAME", item_type=ItemType.PHANTOM)
    definition_of(company, frame, [(rivet, "4", "0")])
    # an older definition of the kit: the latest one is used
    definition_of(company, kit, [(gasket, "9", "0")], code="A", status=RevisionStatus.SUPERSEDED)
    definition_of(company, kit, [(gasket, "2", "10"), (screw, "1", "0"), (frame, "1", "0")], code="B")
    product = ItemFactory(made=True, company=company, number="PUMP")
    revision = definition_of(company, product, [(screw, "2", "0"), (kit, "3", "0")])
    for item, quantity in ((screw, "100"), (gasket, "100"), (rivet, "200")):
        receive(company, item, quantity, location=stock, user=user)
    return locals()


def test_release_explodes_phantoms_recursively_with_multiplied_quantities(world, company, user):
    order = work_order_create(company=company, actor=user, item=world["product"], revision=world["revision"],
                              quantity=D(5), due_date=DUE, location=world["stock"])
    order = work_order_release(work_order=order, actor=user)
    assert order.status == WorkOrderStatus.RELEASED
    rows = sorted((m.component.number, m.quantity_per, m.scrap_percent, m.quantity_required)
                  for m in order.materials.select_related("component"))
    assert rows == [
        ("GASKET", D(6), D(10), D("33")),    # 3 kits x 2, +10 % scrap of the kit's line: 5 x 6 x 1.1
        ("RIVET", D(12), D(0), D(60)),       # 3 kits x 1 frame x 4
        ("SCREW", D(5), D(0), D(25)),        # 2 directly + 3 kits x 1: one material
    ]
    assert not WorkOrderMaterial.objects.filter(work_order=order, component__item_type=ItemType.PHANTOM).exists()
    reserved = {r.item.number: r.quantity for r in Reservation.objects.filter(reference=order.number)}
    assert reserved == {"GASKET": D(33), "RIVET": D(60), "SCREW": D(25)}


def test_a_phantom_without_definition_fails_the_release_naming_it(world, company, user):
    loose = ItemFactory(made=True, company=company, number="LOOSE-KIT", item_type=ItemType.PHANTOM)
    product = ItemFactory(made=True, company=company, number="VALVE")
    revision = definition_of(company, product, [(loose, "1", "0")])
    order = work_order_create(company=company, actor=user, item=product, revision=revision, quantity=D(1),
                              due_date=DUE, location=world["stock"])
    with pytest.raises(DomainError) as error:
        work_order_release(work_order=order, actor=user)
    assert (error.value.field, error.value.code) == ("materials", "no_definition")
    assert error.value.message == ("Phantom LOOSE-KIT has no manufacturing definition: release its BOM in PLM "
                                   "first.")
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DRAFT
    assert not order.materials.exists()
    assert not Reservation.objects.filter(reference=order.number).exists()
