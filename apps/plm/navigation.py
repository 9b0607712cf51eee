"""PLM's sidebar entries and what the global search finds in PLM."""

from apps.core.navigation import register
from apps.core.search import register_search
from apps.plm.models import ChangeOrder, ChangeRequest, Item

register("PLM", "Items", "plm:item_list", "plm.view_item")
register("PLM", "Revisions", "plm:revision_list", "plm.view_revision")
register("PLM", "Documents", "plm:document_list", "plm.view_document")
register("PLM", "Change requests", "plm:changerequest_list", "plm.view_changerequest")
register("PLM", "Change orders", "plm:changeorder_list", "plm.view_changeorder")
register("PLM", "Compare BOMs", "plm:bom_compare", "plm.view_revision")
register("PLM", "Import items", "plm:item_import", "plm.add_item")
register("PLM", "Categories", "plm:itemcategory_list", "plm.view_itemcategory")
register("PLM", "ECO approval rules", "plm:changeapprovalrule_list", "plm.view_changeapprovalrule")

# ---- global search ---------------------------------------------------------------------------------------------

register_search(Item, ["number", "name"], module="PLM", label="Items",
                describe=lambda i: f"{i.get_item_type_display()} · {i.get_lifecycle_state_display()}")
register_search(ChangeOrder, ["number", "title"], module="PLM", label="Change orders",
                describe=lambda o: o.get_status_display())
register_search(ChangeRequest, ["number", "title", "reference"], module="PLM", label="Change requests",
                describe=lambda r: r.get_status_display())
