"""Browser screens of ERP's sales orders, declared as Resources."""

from django import forms

from apps.core.ui.resource import Action, Inline, Resource
from apps.core.ui.widgets import DefaultedNumberInput, PickerWidget
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services import invoices, sales
from apps.plm.choices import LifecycleState, RevisionStatus
from apps.scm.forms import active_warehouse_picker
from apps.scm.models import Shipment

# what may be sold: an item in use (never obsolete) with a released revision in force (as the service checks)
SELLABLE_ITEM = PickerWidget(exclude={"lifecycle_state": LifecycleState.OBSOLETE},
                             filter={"current_revision__status": RevisionStatus.RELEASED})


class SalesOrderResource(Resource):
    model = SalesOrder
    namespace = "erp"
    list_fields = ["number", "customer", "order_date", "requested_delivery_date", "status", "total_with_tax",
                   "currency", "warehouse", "quote"]
    filter_fields = {"status": ["exact", "in"], "customer": ["exact"], "warehouse": ["exact"]}
    search_fields = ["number", "customer__name", "notes"]
    form_fields = ["customer", "currency", "order_date", "requested_delivery_date", "warehouse",
                   "payment_terms_days", "notes"]
    widgets = {"currency": PickerWidget(default_hint="the customer's currency"),
               "warehouse": active_warehouse_picker(default_hint="SCM's first active warehouse"),
               "order_date": forms.DateInput(attrs={"type": "date"}),
               "requested_delivery_date": forms.DateInput(attrs={"type": "date"})}
    detail_fields = ["number", "customer", "quote", "status", "order_date", "requested_delivery_date", "currency",
                     "warehouse", "payment_terms_days", "total", "total_tax", "total_with_tax", "confirmed_at",
                     "notes"]
    inlines = [Inline("lines", ["item", "description", "quantity", "unit_price", "discount_percent", "tax_rate",
                                "due_date"], label="Lines", extra=3,
                      widgets={"item": SELLABLE_ITEM,
                               "unit_price": DefaultedNumberInput(default_hint="From the price list"),
                               "tax_rate": DefaultedNumberInput(default_hint="The default tax rate"),
                               "due_date": forms.DateInput(attrs={"type": "date"})}, on_detail=False)]
    services = {"create": sales.sales_order_create, "update": sales.sales_order_update}
    actions = {
        "confirm": Action(sales.sales_order_confirm, label="Confirm", style="success"),
        "close": Action(sales.sales_order_close, label="Close", style="outline-secondary"),
        "cancel": Action(sales.sales_order_cancel, label="Cancel", style="outline-danger"),
        # not a step of the order: drafts the invoice of what was delivered and not yet invoiced (then opens it)
        "invoice_delivered": Action(invoices.invoice_from_sales_order, label="Invoice delivered quantities",
                                    style="outline-success", permission="erp.add_invoice",
                                    confirm="Draft the invoice of the delivered quantities not yet invoiced?",
                                    message="Invoice {result} drafted from {object}."),
    }
    select_related = ["customer", "currency", "warehouse", "quote"]
    detail_template = "erp/salesorder_detail.html"

    @classmethod
    def visible_actions(cls, obj, user):
        shown = super().visible_actions(obj, user)
        delivered = (SalesOrderStatus.PARTIALLY_DELIVERED, SalesOrderStatus.DELIVERED)
        if obj.status in delivered and cls.may_take(obj, "invoice_delivered", user):
            shown.append(("invoice_delivered", cls.actions["invoice_delivered"]))
        return shown

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"lines": list(obj.lines.select_related("item").order_by("line_number")),
                "invoices": list(obj.invoices.order_by("id")),
                # SCM's deliveries of the order, whatever their state (the order's `shipments` lists the shipped)
                "deliveries": list(Shipment.objects.filter(company_id=obj.company_id, sales_order_number=obj.number)
                                   .order_by("id"))}
