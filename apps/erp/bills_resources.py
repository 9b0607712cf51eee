"""Browser screens of ERP's vendor bills and the match policy, declared as Resources."""

from django import forms

from apps.core.ui.resource import Action, Inline, Resource
from apps.core.ui.widgets import DefaultedNumberInput, PickerWidget
from apps.erp.api.bills import VendorBillFilterSet
from apps.erp.models import BillMatchPolicy, VendorBill
from apps.erp.services import bills

TEXT = {"class": "form-control form-control-sm"}
DATE = {"class": "form-control form-control-sm", "type": "date"}


class ReleaseForm(forms.Form):
    """Release a held bill: why it is posted despite the mismatch."""

    reason = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={**TEXT, "placeholder": "Why?"}))


class BillReverseForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE),
                           help_text="Default: the bill date (its period must be open).")


class VendorBillResource(Resource):
    model = VendorBill
    namespace = "erp"
    title, title_plural = "Vendor bill", "Vendor bills"
    list_fields = ["number", "supplier", "supplier_reference", "bill_date", "due_date", "status", "total_with_tax",
                   "amount_due", "currency", "purchase_order"]
    filterset_class = VendorBillFilterSet
    search_fields = ["number", "supplier__name", "supplier_reference", "notes"]
    form_fields = ["supplier", "purchase_order", "supplier_reference", "bill_date", "currency", "payment_terms_days",
                   "due_date", "notes"]
    widgets = {"supplier": PickerWidget(filter={"is_supplier": True}),
               "purchase_order": PickerWidget(depends={"supplier": "$supplier"}),
               "currency": PickerWidget(default_hint="the purchase order's, else the supplier's currency"),
               "payment_terms_days": DefaultedNumberInput(default_hint="The supplier's payment terms"),
               "bill_date": forms.DateInput(attrs={"type": "date"}),
               "due_date": forms.DateInput(attrs={"type": "date"})}
    detail_fields = ["number", "supplier", "supplier_reference", "purchase_order", "status", "bill_date", "due_date",
                     "currency", "exchange_rate", "payment_terms_days", "total", "total_tax", "total_with_tax",
                     "amount_due", "entry", "posted_at", "notes"]
    inlines = [Inline("lines", ["purchase_order_line", "item", "description", "quantity", "unit_price", "tax_rate",
                                "account"], label="Lines", extra=2,
                      widgets={"purchase_order_line": PickerWidget(depends={"purchase_order": "$purchase_order"}),
                               "unit_price": DefaultedNumberInput(default_hint="The PO price"),
                               "tax_rate": DefaultedNumberInput(default_hint="The default tax rate"),
                               "account": PickerWidget(default_hint="General expenses")}, on_detail=False)]
    services = {"create": bills.bill_create, "update": bills.bill_update}
    actions = {
        "match": Action(bills.bill_match, label="Match", style="outline-primary"),
        "post": Action(bills.bill_post, label="Post", style="success"),
        "release": Action(bills.bill_release, form_class=ReleaseForm, label="Release", style="warning"),
        "reverse": Action(bills.bill_reverse, form_class=BillReverseForm, label="Reverse", style="warning"),
        "cancel": Action(bills.bill_cancel, label="Cancel", style="outline-danger"),
    }
    select_related = ["supplier", "currency", "purchase_order", "entry"]
    detail_template = "erp/vendorbill_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        from apps.scm.choices import ReceiptStatus

        receipts = (obj.purchase_order.receipts.filter(status=ReceiptStatus.POSTED).order_by("received_on", "pk")
                    if obj.purchase_order_id else [])
        return {"lines": list(obj.lines.select_related("item", "account", "purchase_order_line__item",
                                                       "purchase_order_line__purchase_order")
                              .order_by("line_number")),
                "receipts": list(receipts)}


class BillMatchPolicyResource(Resource):
    model = BillMatchPolicy
    namespace = "erp"
    list_fields = ["company", "price_tolerance_percent", "price_tolerance_amount"]
    form_fields = ["price_tolerance_percent", "price_tolerance_amount"]
