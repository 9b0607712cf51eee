"""What an item is (its type, tracking and unit) is fixed once stock, BOMs or a released revision depend on it:
the change answers 409 naming them, from the service, the API and the import alike; before any use it is free."""

from decimal import Decimal

import pytest
import tablib

from apps.core.errors import ConflictError
from apps.plm.models import Item
from apps.plm.services.imports import items_import
from apps.plm.services.items import item_update
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post, stock_move_reverse
from tests.plm.conftest import draft
from tests.plm.factories import unit
from tests.scm.factories import LocationFactory

D = Decimal
BASE = "/api/v1/plm"
ADVICE = "Create a new item instead (and replace it in BOMs through an ECO)."


def put_in_stock(item, user, quantity):
    return stock_move_post(company=item.company, item=item, quantity=D(quantity), unit_cost=D(1),
                           from_location=virtual_location(company=item.company, kind=LocationKind.SUPPLIER),
                           to_location=LocationFactory(company=item.company), actor=user)


def nature(item) -> tuple:
    item.refresh_from_db()
    return item.item_type, item.tracking, item.uom.code


def test_type_tracking_and_unit_change_freely_before_any_use(new_item, user):
    item = new_item("BK-1", item_type="buy")
    item_update(instance=item, item_type="make", tracking="lot", uom=unit("kg"), actor=user)
    assert nature(item) == ("make", "lot", "kg")


def test_tracking_change_with_stock_on_hand_answers_409_naming_the_stock(new_item, user):
    item = new_item("BK-1", item_type="buy")
    put_in_stock(item, user, "111")
    with pytest.raises(ConflictError) as caught:
        item_update(instance=item, tracking="serial", actor=user)
    assert (caught.value.status_code, caught.value.field, caught.value.code) == (409, "tracking", "in_use")
    assert caught.value.message == f"The tracking of BK-1 cannot change: it has stock moves (111 ea on hand). {ADVICE}"
    assert caught.value.extra == {"dependents": ["has stock moves (111 ea on hand)"]}
    assert nature(item) == ("buy", "none", "ea")
    # name and cost are not part of what the stock means
    assert item_update(instance=item, name="Bracket, zinc", standard_cost=D(2), actor=user).name == "Bracket, zinc"


def test_moves_keep_the_nature_fixed_even_when_nothing_is_left_on_hand(new_item, user):
    item = new_item("BK-1", item_type="buy")
    stock_move_reverse(move=put_in_stock(item, user, "5"), actor=user)
    with pytest.raises(ConflictError) as caught:
        item_update(instance=item, uom=unit("kg"), item_type="make", actor=user)
    assert caught.value.field == "item_type"
    assert caught.value.message == f"The type and unit of measure of BK-1 cannot change: it has stock moves. {ADVICE}"
    assert nature(item) == ("buy", "none", "ea")


def test_a_released_item_keeps_its_type(new_item, release, user):
    item = new_item("BK-1", item_type="make")
    release(item)
    for item_type in ("buy", "phantom"):
        with pytest.raises(ConflictError) as caught:
            item_update(instance=item, item_type=item_type, actor=user)
        assert caught.value.message == f"The type of BK-1 cannot change: it has a released revision. {ADVICE}"
    assert nature(item) == ("make", "none", "ea")


def test_a_component_used_in_boms_keeps_its_unit_and_tracking(new_item, add_line, user):
    bolt = new_item("BOLT-1", item_type="buy")
    for parent in ("ASM-2", "ASM-1"):
        add_line(new_item(parent), bolt, "4")
    with pytest.raises(ConflictError) as caught:
        item_update(instance=bolt, uom=unit("kg"), actor=user)
    assert caught.value.message == (f"The unit of measure of BOLT-1 cannot change: it is used in BOMs of ASM-1, "
                                    f"ASM-2. {ADVICE}")
    with pytest.raises(ConflictError):
        item_update(instance=bolt, tracking="lot", actor=user)
    assert nature(bolt) == ("buy", "none", "ea")


def test_every_dependency_is_named(new_item, add_line, release, user):
    bolt = new_item("BOLT-1", item_type="buy")
    add_line(new_item("ASM-1"), bolt)
    release(bolt)
    put_in_stock(bolt, user, "3")
    with pytest.raises(ConflictError) as caught:
        item_update(instance=bolt, tracking="lot", actor=user)
    assert caught.value.extra["dependents"] == [
        "has a released revision", "is used in BOMs of ASM-1", "has stock moves (3 ea on hand)"]


def test_api_patch_of_tracking_with_stock_answers_409_problem(new_item, user, api):
    item = new_item("BK-1", item_type="buy")
    put_in_stock(item, user, "111")
    response = api.patch(f"{BASE}/items/{item.pk}/", {"tracking": "serial"}, format="json")
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["attr"] == "tracking"
    assert "has stock moves (111 ea on hand)" in body["detail"]
    response = api.patch(f"{BASE}/items/{item.pk}/", {"item_type": "make"}, format="json")
    assert response.status_code == 409
    assert nature(item) == ("buy", "none", "ea")


def test_import_previews_the_refusal_and_writes_nothing(company, new_item, user):
    item = new_item("BK-1", item_type="buy")
    put_in_stock(item, user, "2")
    data = tablib.Dataset(headers=["number", "name", "item_type", "uom", "tracking"])
    data.append(("BK-1", "Item BK-1", "buy", "ea", "lot"))
    result = items_import(company=company, dataset=data, actor=user, dry_run=False)
    assert result.rows[0].action == "error"
    assert result.rows[0].errors == {
        "tracking": f"The tracking of BK-1 cannot change: it has stock moves (2 ea on hand). {ADVICE}"}
    assert nature(item) == ("buy", "none", "ea")


def test_a_draft_revision_alone_does_not_fix_the_nature(new_item, user):
    item = new_item("BK-1", item_type="make")
    assert draft(item).status == "draft"
    item_update(instance=item, item_type="phantom", actor=user)
    assert Item.objects.get(pk=item.pk).item_type == "phantom"
