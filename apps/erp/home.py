"""ERP on the home page: sales orders to confirm and being delivered, the open order book, draft entries to post,
open periods past their end, bills to match, invoices overdue and to post, planned orders to release (late ones
apart); the receivables overdue; revenue by month."""

from django.db.models import Count, Sum
from django.utils import timezone

from apps.core.home import last_months, register_chart, register_kpi, register_queue
from apps.core.models import Company
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number
from apps.erp.aging import overdue_receivables
from apps.erp.dashboard import revenue_chart
from apps.erp.models import SalesOrder
from apps.erp.models.sales import OPEN_STATUSES
from apps.erp.order_book import order_book_in_company_currency

register_queue("ERP", "Sales orders to confirm", "erp:salesorder_list", {"status": "draft"},
               "erp.confirm_salesorder", help="Drafts (also from accepted quotes): check and confirm them.")
register_queue("ERP", "Sales orders being delivered", "erp:salesorder_list", {"status": "partially_delivered"},
               "erp.view_salesorder", style="warning", help="Partly shipped: the rest is on backorder in SCM.")
register_queue("ERP", "Bills to match", "erp:vendorbill_list", {"status": "draft"}, "erp.change_vendorbill",
               help="Drafts: run the three-way match against the purchase order and its receipts, then post.")
register_queue("ERP", "Held bills", "erp:vendorbill_list", {"status": "held"}, "erp.change_vendorbill",
               style="warning", help="Held by the match: correct them and match again, or a finance manager releases "
                                     "them.")
register_queue("ERP", "Draft journal entries to post", "erp:journalentry_list", {"status": "draft"},
               "erp.change_journalentry", help="Drafts count in no report until they are posted.")
register_queue("ERP", "Open periods past their end", "erp:period_list",
               lambda: {"status": "open", "end_before": timezone.localdate().isoformat()}, "erp.change_period",
               style="warning", help="Close them once every flow of the month is delivered.")


def open_order_book(request) -> str:
    """Confirmed, not yet invoiced orders: count · total with tax in the company's currency (each order currency
    converted at core's latest rate); totals of a currency without a rate are shown apart, never added."""
    rows = (scope_to_active_company(SalesOrder.objects.all(), request).filter(status__in=OPEN_STATUSES)
            .values("currency").annotate(n=Count("pk"), value=Sum("total_with_tax")).order_by("currency"))
    book = order_book_in_company_currency(company=Company.objects.select_related("currency").get(
        pk=request.company_id), rows=list(rows), date=timezone.localdate())
    text = f"{book.count} · {format_number(book.total, 2)} {book.currency}"
    for code, value in book.unconverted:
        text += f" + {format_number(value, 2)} {code} (no rate)"
    return text


register_kpi("ERP", "Open sales orders", "erp.view_salesorder", open_order_book, url_name="erp:salesorder_list",
             help="Confirmed, not yet invoiced: count · total with tax in the company's currency")



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


def revenue_by_month(request) -> dict:
    """Income booked per month over the last twelve months; a bar opens that month's profit and loss."""
    company = Company.objects.select_related("currency").get(pk=request.company_id)
    return revenue_chart(company=company, months=last_months(12))


register_chart("ERP", "Revenue by month", "erp.view_journalentry", revenue_by_month, url_name="erp:dashboard",
               help="income booked, company currency")


# ---- MRP (Planner) ---------------------------------------------------------------------------------------------
register_queue("ERP", "Planned orders to release", "erp:plannedorder_list", {"status": "planned"},
               "erp.release_plannedorder", help="Proposed by the latest MRP run: release them into requisitions, "
                                                "purchase order drafts and work order drafts.")
register_queue("ERP", "Late planned orders", "erp:plannedorder_list", {"status": "planned", "is_late": "true"},
               "erp.release_plannedorder", style="danger",
               help="They should have started before the run's start: expedite, or tell the customer.")
