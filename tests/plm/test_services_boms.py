"""BOM rules, explosion, where-used, comparison and cost roll-up."""

from decimal import Decimal

import pytest

from apps.core.errors import ConflictError, DomainError
from apps.plm.models import BomLine
from apps.plm.selectors import bom_compare, bom_explode, bom_summary, cost_rollup, where_used
from apps.plm.services.boms import bom_line_add, bom_line_delete, bom_line_update, bom_lines_replace
from apps.plm.services.items import item_obsolete, revision_create
from tests.plm.conftest import draft
from tests.plm.factories import unit

pytestmark = pytest.mark.django_db


def test_line_added_with_component_unit_by_default(new_item, add_line):
    parent, part = new_item("ASM-1"), new_item("PART-1", uom="kg")
    line = add_line(parent, part, "2.5")
    assert (line.quantity, line.uom.code, line.scrap_percent, line.position) == (Decimal("2.5"), "kg", 0, 10)
    assert add_line(parent, new_item("PART-2")).position == 20


def test_component_equal_to_parent_is_rejected(new_item, add_line):
    parent = new_item("ASM-1")
    with pytest.raises(DomainError) as exc:
        add_line(parent, parent)
    assert exc.value.field == "component"
    assert exc.value.code == "cycle"
    assert not BomLine.objects.exists()


def test_cycle_at_depth_three_is_rejected_naming_the_path(new_item, add_line):
    a, b, c = new_item("A-1"), new_item("B-1"), new_item("C-1")
    add_line(a, b)
    add_line(b, c)
    with pytest.raises(DomainError) as exc:
        add_line(c, a)
    assert exc.value.field == "component"
    assert "C-1 → A-1 → B-1 → C-1" in exc.value.message
    assert BomLine.objects.count() == 2


def test_cycle_through_a_released_bom_is_rejected(new_item, add_line, release, user):
    a, b = new_item("A-1"), new_item("B-1")
    add_line(a, b)
    release(a, b)
    revision_create(item=b, actor=user)
    with pytest.raises(DomainError) as exc:
        add_line(b, a)
    assert exc.value.code == "cycle"


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.0001"])
def test_zero_or_negative_quantity_is_rejected(new_item, add_line, quantity):
    with pytest.raises(DomainError) as exc:
        add_line(new_item("ASM-1"), new_item("PART-1"), quantity)
    assert exc.value.field == "quantity"
    assert not BomLine.objects.exists()


def test_obsolete_component_is_rejected(new_item, add_line, user):
    part = new_item("PART-1")
    item_obsolete(item=part, actor=user)
    with pytest.raises(DomainError) as exc:
        add_line(new_item("ASM-1"), part)
    assert (exc.value.field, exc.value.code) == ("component", "obsolete_component")


def test_unit_of_another_category_is_rejected(new_item, add_line):
    with pytest.raises(DomainError) as exc:
        add_line(new_item("ASM-1"), new_item("PART-1", uom="kg"), "3", uom="m")
    assert (exc.value.field, exc.value.code) == ("uom", "uom_category_mismatch")


def test_scrap_out_of_range_is_rejected(new_item, add_line):
    with pytest.raises(DomainError) as exc:
        add_line(new_item("ASM-1"), new_item("PART-1"), scrap="100")
    assert exc.value.field == "scrap_percent"


def test_component_of_another_company_is_rejected(new_item, add_line, other_company):
    foreign = new_item("PART-X", target=other_company)
    with pytest.raises(DomainError) as exc:
        add_line(new_item("ASM-1"), foreign)
    assert exc.value.field == "component"


def test_lines_of_a_released_revision_cannot_change(new_item, add_line, release, user):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    line = add_line(parent, part, "2")
    release(parent, part)
    for call in (lambda: bom_line_update(instance=line, quantity=Decimal(5), actor=user),
                 lambda: bom_line_delete(instance=line, actor=user),
                 lambda: bom_line_add(revision=line.revision, component=part, quantity=1, actor=user)):
        with pytest.raises(ConflictError) as exc:
            call()
        assert exc.value.status_code == 409
    line.refresh_from_db()
    assert line.quantity == Decimal(2)


def test_update_and_delete_lines_of_a_draft(new_item, add_line, user):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    line = add_line(parent, part, "2")
    bom_line_update(instance=line, quantity=Decimal("3.5"), scrap_percent=Decimal(4), actor=user)
    line.refresh_from_db()
    assert (line.quantity, line.scrap_percent) == (Decimal("3.5"), Decimal(4))
    with pytest.raises(DomainError) as exc:
        bom_line_update(instance=line, quantity=Decimal(0), actor=user)
    assert exc.value.field == "quantity"
    bom_line_delete(instance=line, actor=user)
    assert not BomLine.objects.exists()


def test_replace_names_the_row_and_field(new_item, user):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    with pytest.raises(DomainError) as exc:
        bom_lines_replace(revision=draft(parent), actor=user, lines=[
            {"component": part, "quantity": Decimal(1), "uom": unit("ea")},
            {"component": part, "quantity": Decimal(0), "uom": unit("ea")},
        ])
    assert exc.value.field == "bom_lines.1.quantity"


def test_explosion_rolls_up_quantities_scrap_and_units(tractor):
    rows = bom_explode(item=tractor["TR-1"], quantity=Decimal(10))
    got = [(r.level, r.number, r.quantity_per, r.uom, r.total_quantity, r.item_uom) for r in rows]
    assert got == [
        (1, "WHEEL-1", Decimal("2.0000"), "ea", Decimal("20.0000"), "ea"),
        (2, "RIM-1", Decimal("1.0000"), "ea", Decimal("20.0000"), "ea"),
        (2, "BOLT-1", Decimal("4.0000"), "ea", Decimal("80.0000"), "ea"),
        (1, "FRAME-1", Decimal("1.0000"), "ea", Decimal("10.0000"), "ea"),
        (2, "TUBE-1", Decimal("3.0000"), "m", Decimal("33.0000"), "m"),
        (2, "PAINT-1", Decimal("500.0000"), "g", Decimal("5.0000"), "kg"),
        (1, "BOLT-1", Decimal("8.0000"), "ea", Decimal("80.0000"), "ea"),
    ]
    summary = {e["number"]: e["total_quantity"] for e in bom_summary(rows)}
    assert summary == {"BOLT-1": Decimal(160), "FRAME-1": Decimal(10), "PAINT-1": Decimal(5), "RIM-1": Decimal(20),
                       "TUBE-1": Decimal(33), "WHEEL-1": Decimal(20)}


def test_explosion_is_one_query(tractor, django_assert_num_queries):
    from apps.plm.selectors import EXPLODE_SQL, effective_revision

    revision = effective_revision(tractor["TR-1"])
    assert "WITH RECURSIVE" in EXPLODE_SQL
    with django_assert_num_queries(1):
        bom_explode(item=tractor["TR-1"], revision=revision)


def test_explosion_uses_released_revision_over_a_newer_draft(tractor, release, user):
    frame = tractor["FRAME-1"]
    release(*tractor.values())
    new = revision_create(item=frame, actor=user)
    bom_line_update(instance=new.bom_lines.get(component=tractor["TUBE-1"]), quantity=Decimal(4), actor=user)
    rows = bom_explode(item=tractor["TR-1"])
    assert next(r for r in rows if r.number == "TUBE-1").total_quantity == Decimal("3.3000")
    # the draft is what a new item without a released revision would use
    assert [r.total_quantity for r in bom_explode(item=frame, revision=new) if r.number == "TUBE-1"] == [
        Decimal("4.4000")]


def test_where_used_is_multi_level(tractor):
    rows = where_used(item=tractor["BOLT-1"])
    assert [(r["level"], r["number"]) for r in rows] == [(1, "TR-1"), (1, "WHEEL-1"), (2, "TR-1")]
    assert where_used(item=tractor["TR-1"]) == []


def test_compare_lists_added_removed_and_changed(tractor, release, user, new_item):
    release(*tractor.values())
    frame = tractor["FRAME-1"]
    old = frame.revisions.get(code="A")
    new = revision_create(item=frame, actor=user)
    bom_line_update(instance=new.bom_lines.get(component=tractor["TUBE-1"]), quantity=Decimal(4), actor=user)
    bom_line_delete(instance=new.bom_lines.get(component=tractor["PAINT-1"]), actor=user)
    bolt = tractor["BOLT-1"]
    bom_line_add(revision=new, component=bolt, quantity=Decimal(6), actor=user)
    result = bom_compare(revision_a=old, revision_b=new)
    assert [(r["number"], r["quantity"]) for r in result["added"]] == [("BOLT-1", Decimal(6))]
    assert [r["number"] for r in result["removed"]] == ["PAINT-1"]
    assert [(c["number"], c["fields"], c["before"]["quantity"], c["after"]["quantity"]) for c in result["changed"]] == [
        ("TUBE-1", ["quantity"], Decimal(3), Decimal(4))]
    assert result["unchanged"] == 0


def test_cost_rollup_uses_leaf_costs_with_scrap(tractor):
    result = cost_rollup(item=tractor["TR-1"], quantity=Decimal(2))
    # per tractor: rims 2x20 = 40, bolts 16x0.5 = 8, tube 3.3x5 = 16.5, paint 0.5x8 = 4  → 68.50
    assert result["unit_cost"] == Decimal("68.5000")
    assert result["total_cost"] == Decimal("137.0000")
    assert {line["number"]: line["extended_cost"] for line in result["lines"]} == {
        "BOLT-1": Decimal("16.0000"), "PAINT-1": Decimal("8.0000"), "RIM-1": Decimal("80.0000"),
        "TUBE-1": Decimal("33.0000")}
