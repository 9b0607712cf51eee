"""Template helpers of the MES pages."""

from decimal import Decimal

from django import template

from apps.mes.selectors_completion import work_order_completion_defaults, work_order_completion_lots

register = template.Library()


@register.simple_tag
def completion_lots(work_order):
    """The lot choices of the completion form of a work order (see selectors_completion)."""
    return work_order_completion_lots(work_order=work_order)


@register.simple_tag
def completion_defaults(work_order):
    """(good, scrap) the completion form starts with: what the floor reported and no completion has yet."""
    return work_order_completion_defaults(work_order=work_order)


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros (3.3, not 3.3000)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():f}"
