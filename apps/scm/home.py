"""SCM on the home page: purchase orders to approve and send, deliveries due, receipts to post, shipments to
pick; purchase spend and stock value."""

from django.db.models import Count, DecimalField, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from apps.core.home import last_months, register_chart, register_kpi, register_queue
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number
from apps.scm.choices import PurchaseOrderStatus as S
from apps.scm.models import ItemValuation, PurchaseOrder
from apps.scm.selectors import stock_value_total


def today() -> str:
    return timezone.localdate().isoformat()


register_queue("SCM", "Purchase orders to approve or send", "scm:purchaseorder_list", {"status": "draft"},
               "scm.change_purchaseorder", help="Drafts: approve (above the threshold, a manager) and send them.")
register_queue("SCM", "Approved purchase orders to send", "scm:purchaseorder_list", {"status": "approved"},
               "scm.change_purchaseorder", style="success")
register_queue("SCM", "Deliveries due by today", "scm:purchaseorder_list",
               lambda: {"status__in": "sent,partially_received", "due_by": today()}, "scm.add_goodsreceipt",
               style="warning", help="Sent orders with a line due today or earlier that is not fully received.")
register_queue("SCM", "Receipts to post", "scm:goodsreceipt_list", {"status": "draft"}, "scm.change_goodsreceipt")
register_queue("SCM", "Shipments to pick", "scm:shipment_list", {"status__in": "reserved,picking"},
               "scm.change_shipment", help="Reserved shipments: pick, pack and ship them.")
register_queue("SCM", "Open requisitions", "scm:purchaserequisition_list", {"status": "open"},
               "scm.change_purchaserequisition", help="Requests to buy: order them.")

SPENT = [S.SENT, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CLOSED]


def purchase_spend(request) -> dict:
    """Purchase orders sent, per order month over the last twelve months, in the company currency."""
    months = last_months(12)
    amount = Coalesce("total_company_currency", "total", output_field=DecimalField())
    rows = (scope_to_active_company(PurchaseOrder.objects.all(), request)
            .filter(status__in=SPENT, order_date__gte=months[0]).annotate(month=TruncMonth("order_date"))
            .order_by().values("month").annotate(spend=Sum(amount)))
    by_month = {row["month"]: row["spend"] for row in rows}
    return {"labels": [m.strftime("%b %Y") for m in months],
            "datasets": [{"label": "Ordered", "data": [float(by_month.get(m) or 0) for m in months]}]}


def stock_value_by_category(request) -> dict:
    """The moving-average value of the stock, per item category."""
    rows = (scope_to_active_company(ItemValuation.objects.all(), request).filter(quantity__gt=0).order_by()
            .values_list("item__category__name").annotate(value=Sum("value")).order_by("-value"))
    return {"labels": [name or "No category" for name, _value in rows],
            "datasets": [{"label": "Stock value", "data": [float(value or 0) for _name, value in rows]}]}


def stock_value(request) -> str:
    return format_number(stock_value_total(company_id=request.company_id), 2)


def open_orders(request) -> str:
    figures = scope_to_active_company(PurchaseOrder.objects.all(), request).filter(
        status__in=[S.SENT, S.PARTIALLY_RECEIVED]).aggregate(
        n=Count("pk"), value=Sum(Coalesce("total_company_currency", "total", output_field=DecimalField())))
    return f"{figures['n']} · {format_number(figures['value'] or 0, 2)}"


register_kpi("SCM", "Stock value", "scm.view_stockquant", stock_value, url_name="scm:stock_overview",
             help="At moving average cost, company currency")
register_kpi("SCM", "Open purchase orders", "scm.view_purchaseorder", open_orders, url_name="scm:purchaseorder_list",
             params={"status__in": "sent,partially_received"}, help="Sent, not fully received: count · value")
register_chart("SCM", "Purchase spend by month", "scm.view_purchaseorder", purchase_spend,
               url_name="scm:purchaseorder_list", help="purchase orders sent, company currency")
register_chart("SCM", "Stock value by category", "scm.view_stockquant", stock_value_by_category, kind="doughnut",
               url_name="scm:stock_overview")
