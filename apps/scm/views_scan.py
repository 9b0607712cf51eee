"""Barcode resolution shared by the scan page and the picking screen."""

from django.db.models import Q

from apps.core.scoping import scope_to_active_company
from apps.plm.models import Item
from apps.scm.models import Location, Lot


def resolve_scan(request, code: str):
    """A scanned code of the active company: ("location", loc) by barcode or code, ("lot", lot) by lot/serial
    code, ("item", item) by item number, else (None, None)."""
    if not code:
        return None, None
    location = scope_to_active_company(Location.objects.filter(Q(barcode=code) | Q(code=code)), request).first()
    if location is not None:
        return "location", location
    lot = scope_to_active_company(Lot.objects.filter(code=code).select_related("item"), request).first()
    if lot is not None:
        return "lot", lot
    item = scope_to_active_company(Item.objects.filter(number=code), request).first()
    if item is not None:
        return "item", item
    return None, None
