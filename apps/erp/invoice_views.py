"""Browser views of invoices beyond the generic Resource pages: the invoice PDF, and the AR/AP aging reports with
their CSV export (`?format=csv`), each amount linking to the filtered list of its documents."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.core.http import pdf_response
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import role_required
from apps.erp import aging, forms
from apps.erp.models import Invoice
from apps.erp.pdf import invoice_pdf
from apps.erp.views import PERMISSION, _company, _csv


@role_required("erp.view_invoice")
def invoice_pdf_view(request, pk: int):
    """The invoice or credit note of the active company as a PDF (404 for another company's)."""
    invoice = get_object_or_404(scope_to_active_company(
        Invoice.objects.select_related("customer", "currency", "sales_order", "shipment", "credited_invoice"),
        request), pk=pk)
    return pdf_response(invoice_pdf(invoice), f"{invoice.number}.pdf")


def _aging(request, side: aging.Side, title: str, slug: str):
    form = forms.AtDateForm(request.GET or None)
    date = (form.cleaned_data.get("date") if form.is_valid() else None) or timezone.localdate()
    data = aging.aging_data(company=_company(request), side=side, date=date)
    if request.GET.get("format") == "csv":
        rows = [[r["number"], r["name"], *(r[key] for key in aging.BUCKET_KEYS), r["total"]] for r in data["rows"]]
        rows.append(["", "Total", *(data["totals"][key] for key in aging.BUCKET_KEYS), data["totals"]["total"]])
        return _csv(f"{slug}-{date.isoformat()}.csv", ["party", "name", *aging.BUCKET_KEYS, "total"], rows)
    for row in data["rows"]:  # the template shows each bucket's amount with the link to its documents
        row["cells"] = [(row[key], row["links"][key]) for key in aging.BUCKET_KEYS]
    totals = [data["totals"][key] for key in aging.BUCKET_KEYS]
    return render(request, "erp/aging.html", {"title": title, "form": form, "data": data, "totals": totals})


@role_required(PERMISSION)
def receivables_aging(request):
    """What each customer owes, by days overdue, in the company's currency."""
    return _aging(request, aging.RECEIVABLES, "AR aging", "ar-aging")


@role_required(PERMISSION)
def payables_aging(request):
    """What is owed to each supplier, by days overdue, in the company's currency."""
    return _aging(request, aging.PAYABLES, "AP aging", "ap-aging")
