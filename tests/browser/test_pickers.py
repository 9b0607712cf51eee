"""Searchable pickers in a real browser: a purchase order typed in by picking, with its defaults filled in."""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.models import Currency, Party
from apps.plm.choices import LifecycleState
from apps.scm.models import PurchaseOrder, SupplierItem
from tests.scm.factories import ItemFactory, WarehouseFactory, purchasing_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str, **options) -> Path:
    """Take a screenshot; into docs/screenshots/ with MILLWRIGHT_SCREENSHOTS=1 (to refresh the docs' pictures),
    else into a temporary folder, so a test run leaves the working tree as it was."""
    folder = DOCS_SCREENSHOTS if os.environ.get("MILLWRIGHT_SCREENSHOTS") == "1" else Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), **options)
    return path


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-secret-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def open_picker(page, field_id: str) -> None:
    page.locator(f"#{field_id} + .ts-wrapper .ts-control").click()
    # Tom Select moves the focus to its search input in a timeout: typing before that would go nowhere
    expect(page.locator(f"#{field_id}-ts-control")).to_be_focused()


def pick(page, field_id: str, typed: str, option: str) -> None:
    """Type into a picker and choose the option that shows up."""
    open_picker(page, field_id)
    page.keyboard.type(typed)
    page.locator(f"#{field_id}-ts-dropdown .option", has_text=option).click()


def test_purchase_order_picks_by_typing_and_fills_price_unit_and_currency(page, user, company, other_company):
    world = purchasing_world(company)
    usd = Currency.objects.get(code="USD")
    Party.objects.filter(pk=world.supplier.pk).update(currency=usd, payment_terms_days=45)
    SupplierItem.objects.filter(pk=world.supplier_item.pk).update(currency=usd)
    ItemFactory(company=company, number="BOLT-M10", name="Hex bolt M10")
    ItemFactory(company=company, number="NUT-M8", name="Hex nut M8")
    ItemFactory(company=company, number="BOLT-OLD", lifecycle_state=LifecycleState.OBSOLETE)
    ItemFactory(company=other_company, number="BOLT-FOREIGN")
    WarehouseFactory(company=company, code="CLOSED", is_active=False)
    log_in(page, "alice")
    page.set_viewport_size({"width": 1280, "height": 1000})

    page.goto("/scm/purchase-orders/new/")
    pick(page, "id_supplier", "steel", world.supplier.name)
    expect(page.locator("#id_currency")).to_have_value(str(usd.pk))  # the supplier's currency
    expect(page.locator(".picker-hint[data-hint-for=supplier]")).to_have_text("USD, payment in 45 days")

    open_picker(page, "id_lines-0-item")
    page.keyboard.type("bolt")
    expect(page.locator(".ts-wrapper.loading")).to_have_count(0)
    options = page.locator("#id_lines-0-item-ts-dropdown .option")
    # searched on the server: neither the nut, nor the obsolete bolt, nor another company's
    expect(options).to_have_text([f"{world.item.number} {world.item.name}", "BOLT-M10 Hex bolt M10"])
    screenshot(page, "po-form-picker.png", full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1100})
    options.first.click()

    page.fill("[name=lines-0-quantity]", "150")
    page.locator("[name=lines-0-quantity]").dispatch_event("change")
    expect(page.locator("[name=lines-0-unit_price]")).to_have_value("2.0000")  # the break from 100 on
    expect(page.locator(".picker-hint[data-hint-for=lines-0-quantity]")).to_have_text("ea")
    page.fill("[name=lines-0-quantity]", "20")
    page.locator("[name=lines-0-quantity]").dispatch_event("change")
    expect(page.locator("[name=lines-0-unit_price]")).to_have_value("2.5000")  # refilled: we filled it

    open_picker(page, "id_warehouse")
    warehouses = page.locator("#id_warehouse-ts-dropdown .option")
    expect(warehouses).to_have_count(1)  # the closed warehouse is not offered
    warehouses.first.click()
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_url("**/scm/purchase-orders/*/")

    order = PurchaseOrder.objects.get(company=company)
    assert (order.supplier, order.currency, order.warehouse) == (world.supplier, usd, world.warehouse)
    assert list(order.lines.values_list("item__number", "quantity", "unit_price")) == [
        (world.item.number, Decimal(20), Decimal("2.5000"))]


def test_dependent_pickers_and_rows_added_later(page, user, company):
    from apps.core.models import UnitOfMeasure
    from apps.plm.choices import RevisionStatus
    from tests.plm.factories import RevisionFactory

    gearbox = ItemFactory(company=company, number="GEARBOX", name="Gearbox", item_type="make")
    RevisionFactory(item=gearbox, code="A", status=RevisionStatus.SUPERSEDED)
    gearbox_b = RevisionFactory(item=gearbox, code="B", status=RevisionStatus.RELEASED)
    shaft = ItemFactory(company=company, number="SHAFT", name="Shaft", item_type="make")
    shaft_a = RevisionFactory(item=shaft, code="A", status=RevisionStatus.RELEASED)
    steel = ItemFactory(company=company, number="STEEL", name="Steel bar", uom=UnitOfMeasure.objects.get(code="kg"))
    draft = RevisionFactory(item=ItemFactory(company=company, number="ASSY", item_type="make"), code="A")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "alice")

    page.goto("/mes/work-orders/new/")
    pick(page, "id_item", "gear", "GEARBOX")
    expect(page.locator("#id_revision")).to_have_value(str(gearbox_b.pk))  # the item's released revision
    open_picker(page, "id_revision")
    expect(page.locator("#id_revision-ts-dropdown .option")).to_have_text(["GEARBOX rev B"])
    page.keyboard.press("Escape")
    pick(page, "id_item", "shaft", "SHAFT")
    expect(page.locator("#id_revision")).to_have_value(str(shaft_a.pk))

    page.goto(f"/plm/revisions/{draft.pk}/edit/")
    page.click("button.add-row")
    expect(page.locator("#id_bom_lines-3-component-ts-control")).to_have_count(1)  # the new row is a picker too
    pick(page, "id_bom_lines-3-component", "steel", "STEEL")
    expect(page.locator("[name=bom_lines-3-uom]")).to_have_value(str(steel.uom_id))  # the component's unit
    assert errors == []
