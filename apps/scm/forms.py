"""SCM's pickers, shared by its screens and by MES (which reserves and picks at SCM's locations)."""

from apps.core.ui.widgets import Defaults, PickerWidget
from apps.scm.choices import LocationKind


def active_warehouse_picker(**options) -> PickerWidget:
    """Warehouses still in use (an inactive one is never offered)."""
    return PickerWidget(filter={"is_active": True}, **options)


def internal_location_picker(*, warehouse_field: str | None = None, **options) -> PickerWidget:
    """Active stock (internal) locations, where services reserve, receive, pick and count; `warehouse_field`:
    only the locations of the warehouse chosen in that field."""
    depends = {"warehouse": f"${warehouse_field}"} if warehouse_field else None
    return PickerWidget(filter={"kind": LocationKind.INTERNAL, "is_active": True}, depends=depends, **options)


def lot_picker(item_field: str = "item", **options) -> PickerWidget:
    """Lots and serials of the item chosen in `item_field` (same row first)."""
    return PickerWidget(depends={"item": f"${item_field}"}, **options)


# what a purchase order's supplier fills in: its currency; its payment terms are shown next to it
SUPPLIER_DEFAULTS = Defaults("scm:purchase_defaults", {"supplier": "$supplier"}, fill={"currency": "currency"},
                             hints={"terms": "supplier"})
# what a line's item and quantity fill in: the price break's unit price, the due date; the unit is shown
PURCHASE_LINE_DEFAULTS = Defaults(
    "scm:purchase_defaults", {"supplier": "$supplier", "currency": "$currency", "item": "$item",
                              "quantity": "$quantity"},
    fill={"unit_price": "unit_price", "due_date": "due_date"}, hints={"uom": "quantity", "price_note": "unit_price"})
