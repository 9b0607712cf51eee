"""PLM's sidebar entries."""

from apps.core.navigation import register

register("PLM", "Items", "plm:item_list", "plm.view_item")
register("PLM", "Revisions", "plm:revision_list", "plm.view_revision")
register("PLM", "Documents", "plm:document_list", "plm.view_document")
register("PLM", "Change requests", "plm:changerequest_list", "plm.view_changerequest")
register("PLM", "Change orders", "plm:changeorder_list", "plm.view_changeorder")
register("PLM", "Compare BOMs", "plm:bom_compare", "plm.view_revision")
register("PLM", "Import items", "plm:item_import", "plm.add_item")
register("PLM", "Categories", "plm:itemcategory_list", "plm.view_itemcategory")
register("PLM", "ECO approval rules", "plm:changeapprovalrule_list", "plm.view_changeapprovalrule")
