"""ERP's sidebar entries and global search."""

from apps.core.navigation import register
from apps.core.search import register_search
from apps.erp.models import SalesOrder

register("ERP", "Sales orders", "erp:salesorder_list", "erp.view_salesorder")
register_search(SalesOrder, ["number", "customer__name"], module="ERP", label="Sales orders",
                select_related=["customer"],
                describe=lambda order: f"{order.customer.name} · {order.get_status_display()}")
