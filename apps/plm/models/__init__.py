"""PLM models, re-exported by sub-domain."""

from apps.plm.models.boms import BomLine
from apps.plm.models.changes import ChangeApproval, ChangeApprovalRule, ChangeOrder, ChangeRequest
from apps.plm.models.documents import Document
from apps.plm.models.items import Item, ItemCategory, Revision

__all__ = ["BomLine", "ChangeApproval", "ChangeApprovalRule", "ChangeOrder", "ChangeRequest", "Document", "Item",
           "ItemCategory", "Revision"]
