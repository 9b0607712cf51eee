"""Template tags of the PLM pages: the BOM tree and where-used of an item."""

from django import template

from apps.plm.selectors import bom_explode, bom_tree, where_used

register = template.Library()


@register.simple_tag
def item_bom_tree(item):
    """The item's effective BOM, exploded for one unit and nested for the expandable tree."""
    return bom_tree(bom_explode(item=item))


@register.simple_tag
def item_where_used(item):
    return where_used(item=item)


@register.simple_tag
def eco_approval_status(change_order):
    from apps.plm.services.changes import approval_status

    return approval_status(change_order)


@register.simple_tag
def eco_impact(change_order):
    from apps.plm.services.changes import change_order_impact

    return change_order_impact(change_order)
