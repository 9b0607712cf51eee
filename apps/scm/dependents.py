"""What of SCM depends on records of lower modules (registered with `apps.core.dependents`)."""

from django.db.models import Sum

from apps.core.dependents import dependent
from apps.scm.models import StockMove, StockQuant


@dependent("plm.Item")
def item_stock(item) -> str | None:
    """An item with stock moves keeps its unit, tracking and type: they give its quantities their meaning."""
    if not StockMove.objects.filter(item=item).exists():
        return None
    on_hand = StockQuant.objects.filter(item=item).aggregate(total=Sum("on_hand"))["total"]
    if on_hand:
        return f"has stock moves ({on_hand.normalize():f} {item.uom.code} on hand)"
    return "has stock moves"
