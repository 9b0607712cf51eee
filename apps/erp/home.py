"""ERP on the home page: sales orders to confirm and being delivered, the open order book, draft entries to post,
open periods past their end; invoices overdue and to post, the receivables overdue."""

from django.db.models import Count, Sum
from django.utils import timezone

from apps.core.home import register_kpi, register_queue
from apps.core.models import Company
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number
from apps.erp.aging import overdue_receivables
from apps.erp.models import SalesOrder
from apps.erp.models.sales import OPEN_STATUSES

register_queue("ERP", "Sales orders to confirm", "erp:salesorder_list", {"status": "draft"},
               "erp.confirm_salesorder", help="Drafts (also from accepted quotes): check and confirm them.")
register_queue("ERP", "Sales orders being delivered", "erp:salesorder_list", {"status": "partially_delivered"},
               "erp.view_salesorder", style="warning", help="Partly shipped: the rest is on backorder in SCM.")
register_queue("ERP", "Draft journal entries to post", "erp:journalentry_list", {"status": "draft"},
               "erp.change_journalentry", help="Drafts count in no report until they are posted.")
register_queue("ERP", "Open periods past their end", "erp:period_list",
               lambda: {"status": "open", "end_before": timezone.localdate().isoformat()}, "erp.change_period",
               style="warning", help="Close them once every flow of the month is delivered.")


def open_order_book(request) -> str:
    """Confirmed, not yet invoiced orders: count · total with tax (in their own currencies, summed)."""
    figures = scope_to_active_company(SalesOrder.objects.all(), request).filter(status__in=OPEN_STATUSES).aggregate(
        n=Count("pk"), value=Sum("total_with_tax"))
    return f"{figures['n']} · {format_number(figures['value'] or 0, 2)}"


register_kpi("ERP", "Open sales orders", "erp.view_salesorder", open_order_book, url_name="erp:salesorder_list",
             help="Confirmed, not yet invoiced: count · total with tax")


# ---- receivables (Finance) --------------------------------------------------------------------------------------
register_queue("ERP", "Invoices overdue", "erp:invoice_list", {"overdue": "true"}, "erp.view_invoice",
               style="danger", help="Posted, not fully paid and past their due date: remind the customers.")
register_queue("ERP", "Draft invoices to post", "erp:invoice_list", {"status": "draft"}, "erp.change_invoice",
               help="Drafted from shipments or by hand: check and post them.")


def receivables_overdue(request) -> str:
    """Posted invoices past their due date, still due, in the company's currency (the AR aging's overdue buckets)."""
    company = Company.objects.select_related("currency").filter(pk=request.company_id).first()
    if company is None:
        return "—"
    return f"{format_number(overdue_receivables(company=company, date=timezone.localdate()), 2)} " \
           f"{company.currency.code}"


register_kpi("ERP", "Receivables overdue", "erp.view_invoice", receivables_overdue, url_name="erp:ar_aging",
             help="Still due on invoices past their due date, in the company's currency")
