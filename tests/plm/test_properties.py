"""Property: random BOM edits never leave a cycle; the explosion always terminates."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import DomainError
from apps.plm.models import BomLine
from apps.plm.selectors import bom_explode, structure_reaches
from apps.plm.services.boms import bom_line_add, bom_line_delete
from apps.plm.services.items import item_create
from tests.plm.conftest import draft
from tests.plm.factories import unit

ITEMS = 6
edits = st.lists(st.tuples(st.sampled_from(["add", "add", "add", "remove"]), st.integers(0, ITEMS - 1),
                           st.integers(0, ITEMS - 1)), min_size=1, max_size=25)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=edits)
def test_random_edits_never_create_a_cycle(company, user, operations):
    BomLine.objects.filter(revision__company=company).delete()
    items = [item for item in company_items(company, user)]
    for op, p, c in operations:
        parent, component = items[p], items[c]
        if op == "add":
            would_cycle = p == c or structure_reaches(company_id=company.pk, start_item_id=component.pk,
                                                      target_item_id=parent.pk)
            if would_cycle:
                with pytest.raises(DomainError) as exc:
                    bom_line_add(revision=draft(parent), component=component, quantity=Decimal(2), actor=user)
                assert exc.value.field == "component"
            else:
                bom_line_add(revision=draft(parent), component=component, quantity=Decimal(2), actor=user)
        else:
            line = BomLine.objects.filter(revision__item=parent).first()
            if line is not None:
                bom_line_delete(instance=line, actor=user)
    # no item reaches itself through its components
    edges = set(BomLine.objects.filter(revision__company=company).values_list("revision__item_id", "component_id"))
    for item in items:
        assert not any(structure_reaches(company_id=company.pk, start_item_id=child, target_item_id=item.pk)
                       for parent, child in edges if parent == item.pk)
        rows = bom_explode(item=item)  # terminates, and never deeper than the number of items
        assert all(row.level < ITEMS for row in rows)
        assert all(item.pk not in row.path[1:] for row in rows)


def company_items(company, user):
    from apps.plm.models import Item

    existing = list(Item.objects.filter(company=company).order_by("number"))
    if existing:
        return existing
    return [item_create(company=company, number=f"N-{i}", name=f"Node {i}", uom=unit("ea"), item_type="make",
                        actor=user) for i in range(ITEMS)]
