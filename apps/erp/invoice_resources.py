"""Browser screens of invoices, credit notes and payments, declared as Resources."""

from django import forms

from apps.core.ui.resource import Action, Inline, Resource
from apps.core.ui.widgets import DefaultedNumberInput, PickerWidget
from apps.erp.api.invoices import InvoiceFilterSet
from apps.erp.api.payments import PaymentFilterSet
from apps.erp.models import Invoice, Payment
from apps.erp.models.invoicing import SETTLED_STATUSES, UNPAID_STATUSES, InvoiceKind
from apps.erp.services import invoices, payments

DATE = forms.DateInput(attrs={"type": "date"})
# what a payment settles: posted, unpaid invoices (not credit notes) and bills; the service checks party and currency
UNPAID_INVOICE = PickerWidget(filter={"status__in": UNPAID_STATUSES, "kind": InvoiceKind.INVOICE})
UNPAID_BILL = PickerWidget(filter={"status__in": UNPAID_STATUSES})


class CreditForm(forms.Form):
    """A credit note of everything not yet credited (some lines and quantities: through the API or the draft)."""

    invoice_date = forms.DateField(required=False, widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control form-control-sm"}), help_text="Of the credit note; "
                                                                                     "default: today.")


class InvoiceResource(Resource):
    model = Invoice
    namespace = "erp"
    list_fields = ["number", "kind", "customer", "invoice_date", "due_date", "status", "total_with_tax",
                   "amount_due", "currency", "sales_order"]
    filterset_class = InvoiceFilterSet
    search_fields = ["number", "customer__name", "notes"]
    form_fields = ["customer", "currency", "invoice_date", "payment_terms_days", "due_date", "notes"]
    widgets = {"currency": PickerWidget(default_hint="the customer's currency"), "invoice_date": DATE,
               "due_date": DATE}
    detail_fields = ["number", "kind", "customer", "status", "invoice_date", "payment_terms_days", "due_date",
                     "currency", "exchange_rate", "sales_order", "shipment", "credited_invoice", "total",
                     "total_tax", "total_with_tax", "amount_due", "entry", "posted_at", "notes"]
    # the sales order line a line bills rides along hidden, so an edited draft keeps counting as invoiced
    inlines = [Inline("lines", ["item", "description", "quantity", "unit_price", "discount_percent", "tax_rate",
                                "account", "sales_order_line"], label="Lines", extra=3,
                      widgets={"sales_order_line": forms.HiddenInput(),
                               "unit_price": DefaultedNumberInput(default_hint="From the price list"),
                               "tax_rate": DefaultedNumberInput(default_hint="The default tax rate"),
                               "account": PickerWidget(filter={"kind": "income", "is_active": True},
                                                       default_hint="The revenue account")}, on_detail=False)]
    services = {"create": invoices.invoice_create, "update": invoices.invoice_update}
    actions = {
        "post": Action(invoices.invoice_post, label="Post", style="success"),
        "credit": Action(invoices.credit_note_create, form_class=CreditForm, label="Create credit note",
                         style="outline-warning", permission="erp.add_invoice",
                         confirm="Create a draft credit note of everything not yet credited on this invoice?",
                         message="Credit note {result} drafted from {object} (listed under Credit notes)."),
        "cancel": Action(invoices.invoice_cancel, label="Cancel", style="outline-danger"),
    }
    select_related = ["customer", "currency", "sales_order", "shipment", "credited_invoice", "entry"]
    detail_template = "erp/invoice_detail.html"

    @classmethod
    def visible_actions(cls, obj, user):
        shown = super().visible_actions(obj, user)
        if obj.kind == InvoiceKind.INVOICE and obj.status in SETTLED_STATUSES and cls.may_take(obj, "credit", user):
            shown.append(("credit", cls.actions["credit"]))
        return shown

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"lines": list(obj.lines.select_related("item", "account").order_by("line_number")),
                "allocations": list(obj.allocations.select_related("payment").order_by("id")),
                "credit_notes": list(obj.credit_notes.order_by("id")),
                "can_pay": obj.kind == InvoiceKind.INVOICE and obj.status in UNPAID_STATUSES}


class PaymentResource(Resource):
    model = Payment
    namespace = "erp"
    list_fields = ["number", "direction", "party", "payment_date", "status", "amount", "amount_unallocated",
                   "currency", "reference"]
    filterset_class = PaymentFilterSet
    search_fields = ["number", "party__name", "reference", "notes"]
    form_fields = ["direction", "party", "payment_date", "currency", "amount", "account", "reference", "notes"]
    widgets = {"currency": PickerWidget(default_hint="the party's currency"), "payment_date": DATE,
               "account": PickerWidget(filter={"kind": "asset", "is_active": True},
                                       default_hint="The bank account of the posting rules")}
    detail_fields = ["number", "direction", "party", "status", "payment_date", "currency", "amount",
                     "amount_unallocated", "account", "reference", "exchange_rate", "entry", "posted_at", "notes"]
    inlines = [Inline("allocations", ["invoice", "bill", "amount"], label="Allocations", extra=3,
                      widgets={"invoice": UNPAID_INVOICE, "bill": UNPAID_BILL}, on_detail=False)]
    services = {"create": payments.payment_create, "update": payments.payment_update}
    actions = {
        "post": Action(payments.payment_post, label="Post", style="success"),
        "reverse": Action(payments.payment_reverse, label="Reverse", style="outline-danger"),
    }
    select_related = ["party", "currency", "account", "entry"]
    detail_template = "erp/payment_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        allocations = obj.allocations.select_related("invoice", "bill").order_by("id")
        return {"allocations": [(a, a.invoice or a.bill) for a in allocations]}
