"""Barcode resolution shared by the scan page and the picking screen."""

from django.db.models import Q

from apps.core.scoping import scope_queryset
from apps.plm.models import Item
from apps.scm.models import Location, Lot


def resolve_scan(request, code: str):
    """A scanned code of the active company: ("location", loc) by barcode or code, ("lot", lot) by lot/serial
    code, ("item", item) by item number, else (None, None)."""
    def scoped(queryset):
        return scope_queryset(queryset, request.user, [request.company_id])

    if not code:
        return None, None
    location = scoped(Location.objects.filter(Q(barcode=code) | Q(code=code))).first()
    if location is not None:
        return "location", location
    lot = scoped(Lot.objects.filter(code=code).select_related("item")).first()
    if lot is not None:
        return "lot", lot
    item = scoped(Item.objects.filter(number=code)).first()
    if item is not None:
        return "item", item
    return None, None
