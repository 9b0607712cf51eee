"""Browser views of vendor bills beyond the generic Resource pages: the bill of a purchase order, and the open GR/IR
report with its CSV export (`?format=csv`)."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render

from apps.core.errors import DomainError
from apps.core.models import Party
from apps.core.ui.forms import scope_form
from apps.core.ui.views import apply_domain_error, role_required
from apps.core.ui.widgets import PickerWidget
from apps.erp.grir import grir_data
from apps.erp.services.bills import BILLABLE_ORDER_STATUSES, bill_from_purchase_order
from apps.erp.views import _company, _csv
from apps.scm.models import PurchaseOrder

DATE = {"class": "form-control form-control-sm", "type": "date"}
TEXT = {"class": "form-control form-control-sm"}


class BillFromPurchaseOrderForm(forms.Form):
    """The purchase order to bill, the supplier's invoice number and date."""

    purchase_order = forms.ModelChoiceField(queryset=PurchaseOrder.objects.all(), widget=PickerWidget(
        filter={"status__in": list(BILLABLE_ORDER_STATUSES)}))
    supplier_reference = forms.CharField(label="Supplier's invoice number", max_length=60, required=False,
                                         widget=forms.TextInput(attrs=TEXT))
    bill_date = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE), help_text="Default: today.")


@role_required("erp.add_vendorbill")
def bill_from_purchase_order_view(request):
    """Draft the bill of a purchase order's received, not yet billed quantities, then show it."""
    form = BillFromPurchaseOrderForm(request.POST or None, initial={"purchase_order": request.GET.get(
        "purchase_order")})
    scope_form(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            bill = bill_from_purchase_order(company=_company(request), actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(error, form, [])
        else:
            messages.success(request, f"Vendor bill {bill} drafted from {bill.purchase_order}: match and post it.")
            return HttpResponseRedirect(bill.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "erp/bill_from_po.html", {"title": "Bill from purchase order", "form": form},
                  status=status)


class GrirForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE), help_text="Default: everything.")
    supplier = forms.ModelChoiceField(queryset=Party.objects.filter(is_supplier=True), required=False)
    purchase_order = forms.ModelChoiceField(queryset=PurchaseOrder.objects.all(), required=False)


@role_required("erp.view_journalentry")
def grir_report(request):
    """Per PO line: received value, billed value at receipt cost, the open difference, in two sections."""
    form = GrirForm(request.GET or None)
    scope_form(form, request)
    cleaned = form.cleaned_data if form.is_valid() else {}
    data = grir_data(company=_company(request), date=cleaned.get("date"), supplier=cleaned.get("supplier"),
                     purchase_order=cleaned.get("purchase_order"))
    if request.GET.get("format") == "csv":
        rows = [[section, r["purchase_order_number"], r["line_number"], r["item_number"], r["supplier"],
                 r["received_quantity"], r["received_value"], r["billed_quantity"], r["billed_value"],
                 r["difference"]]
                for section in ("received_not_billed", "billed_not_received") for r in data[section]]
        return _csv("grir.csv", ["section", "purchase_order", "line", "item", "supplier", "received_quantity",
                                 "received_value", "billed_quantity", "billed_value", "difference"], rows)
    return render(request, "erp/grir.html", {"title": "Open GR/IR", "form": form, "data": data})
