"""PLM models, re-exported by sub-domain."""

from apps.plm.models.items import Item, ItemCategory, Revision

__all__ = ["Item", "ItemCategory", "Revision"]
