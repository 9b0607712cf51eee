"""Custom browser pages of purchasing and shipments: PDFs, the picking screen, replenishment, supplier performance."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods

from apps.core.errors import DomainError
from apps.core.http import pdf_response
from apps.core.models import Company, Party
from apps.core.scoping import scope_to_active_company
from apps.core.ui.autocomplete import scoped_record
from apps.core.ui.views import ResourceCreateView, ResourceUpdateView, can, role_required, scope_form
from apps.plm.choices import Tracking
from apps.plm.models import Item
from apps.scm.choices import RequisitionSource, RequisitionStatus, ShipmentStatus
from apps.scm.models import Location, PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, Shipment
from apps.scm.pdf import delivery_note_pdf, purchase_order_pdf
from apps.scm.selectors_purchasing import (
    receivable_purchase_orders,
    receiving_location,
    supplier_item_for,
    supplier_performance,
)
from apps.scm.services.replenishment import replenishment_run
from apps.scm.services.shipments import shipment_pick
from apps.scm.views_scan import resolve_scan


@role_required("scm.view_purchaseorder")
def purchase_order_pdf_view(request, pk: int):
    order = get_object_or_404(scope_to_active_company(PurchaseOrder.objects.all(), request), pk=pk)
    return pdf_response(purchase_order_pdf(order), f"{order.number}.pdf")


def _quantity(raw: str | None) -> Decimal | None:
    try:
        quantity = Decimal(raw or "")
    except InvalidOperation:
        return None
    return quantity if quantity.is_finite() and quantity > 0 else None


@role_required("scm.view_purchaseorder")
def purchase_defaults(request):
    """What a purchase order's supplier and a line's item fill in (JSON): the supplier's currency and payment
    terms; the unit price of the supplier's price break for the quantity, the due date after the lead time,
    the item's unit. The service applies the same defaults to what is left empty."""
    supplier = scoped_record(request, Party.objects.filter(is_supplier=True).select_related("currency"), "supplier")
    item = scoped_record(request, Item.objects.select_related("uom"), "item")
    answer: dict = {}
    currency = None
    if supplier is not None:
        currency = supplier.currency or Company.objects.select_related("currency").get(pk=request.company_id).currency
        answer.update(currency=currency.pk, terms=f"{currency.code}, payment in {supplier.payment_terms_days} days")
    chosen_currency = request.GET.get("currency", "")
    currency_id = int(chosen_currency) if chosen_currency.isdigit() else getattr(currency, "pk", None)
    if item is not None:
        answer["uom"] = item.uom.code
        supplier_item = supplier_item_for(supplier=supplier, item=item) if supplier is not None else None
        if supplier_item is not None:
            quantity = _quantity(request.GET.get("quantity")) or supplier_item.minimum_order_quantity or Decimal(1)
            price = supplier_item.price_for(quantity)
            answer["due_date"] = (timezone.localdate()
                                  + datetime.timedelta(days=supplier_item.lead_time_days)).isoformat()
            if price is not None and supplier_item.currency_id == currency_id:
                answer["unit_price"] = str(price)
                answer["price_note"] = (f"{price.normalize():f} {supplier_item.currency.code} "
                                        f"for {quantity.normalize():f}")
            elif price is not None:
                answer["price_note"] = f"Price list in {supplier_item.currency.code}: give a price"
    return JsonResponse(answer)


@role_required("scm.view_shipment")
def delivery_note_view(request, pk: int):
    shipment = get_object_or_404(scope_to_active_company(Shipment.objects.all(), request), pk=pk)
    return pdf_response(delivery_note_pdf(shipment), f"{shipment.number}.pdf")


@role_required("scm.change_shipment")
@require_http_methods(["GET", "POST"])
def shipment_picking_view(request, pk: int):
    """The picking screen: a focused scan field; Enter confirms. A location scan sets where you are,
    an item or lot scan picks the quantity there."""
    shipment = get_object_or_404(scope_to_active_company(Shipment.objects.select_related("customer"), request), pk=pk)
    location_id = request.POST.get("location") or request.GET.get("location")
    locations = scope_to_active_company(Location.objects.all(), request)
    current = locations.filter(pk=location_id).first() if location_id else None
    if request.method == "POST":
        code = request.POST.get("scan", "").strip()
        kind, found = resolve_scan(request, code)
        if kind is None:
            messages.error(request, f"Unknown barcode '{code}'.")
        elif kind == "location":
            current = found
            messages.info(request, f"Location {found.code}.")
        else:
            try:
                quantity = Decimal(request.POST.get("quantity") or "1")
            except InvalidOperation:
                quantity = None
            try:
                shipment_pick(shipment=shipment, actor=request.user, quantity=quantity,
                              item=found if kind == "item" else found.item, lot=found if kind == "lot" else None,
                              location=current)
            except DomainError as error:
                messages.error(request, f"{error.field}: {error.message}" if error.field else error.message)
            else:
                messages.success(request, f"Picked {quantity.normalize():f} x {code}.")
        url = reverse("scm:shipment_picking", args=[shipment.pk])
        return HttpResponseRedirect(f"{url}?location={current.pk}" if current else url)
    lines = shipment.lines.select_related("item").prefetch_related("allocations__location", "allocations__lot")
    return render(request, "scm/shipments/picking.html", {
        "shipment": shipment, "lines": lines, "current_location": current, "title": f"Picking {shipment.number}",
        "can_pick": shipment.status in (ShipmentStatus.RESERVED, ShipmentStatus.PICKING),
    })


@role_required("scm.view_purchaserequisition")
@require_http_methods(["GET", "POST"])
def replenishment_proposals_view(request):
    """Open requisitions proposed by replenishment, and a button to run it now."""
    can_run = can(request, "scm.add_purchaserequisition")
    if request.method == "POST":
        if not can_run or request.company_id is None:
            return HttpResponse(status=403)
        proposed = replenishment_run(company=Company.objects.get(pk=request.company_id), actor=request.user)
        messages.success(request, f"Replenishment ran: {len(proposed)} new proposal(s).")
        return HttpResponseRedirect(reverse("scm:replenishment_proposals"))
    proposals = scope_to_active_company(PurchaseRequisition.objects.filter(
        source=RequisitionSource.REPLENISHMENT, status=RequisitionStatus.OPEN).select_related(
        "item", "warehouse", "supplier").order_by("item__number"), request)
    return render(request, "scm/replenishment/proposals.html",
                  {"proposals": proposals, "can_run": can_run, "title": "Replenishment proposals"})


@role_required("scm.view_goodsreceipt")
def supplier_performance_view(request):
    """On-time %, average lead time and rejected % per supplier, from posted receipts."""
    date_from, date_to = parse_date(request.GET.get("date_from", "")), parse_date(request.GET.get("date_to", ""))
    suppliers = scope_to_active_company(Party.objects.filter(is_supplier=True), request).order_by("name")
    rows = [supplier_performance(supplier=s, date_from=date_from, date_to=date_to) for s in suppliers]
    return render(request, "scm/purchasing/supplier_performance.html", {
        "rows": rows, "date_from": date_from, "date_to": date_to, "title": "Supplier performance"})


class GoodsReceiptFormMixin:
    """The receipt form of one purchase order: its PO-line choices are that order's lines only, and a new
    receipt opened from the order (`?purchase_order=<pk>`, the order's Receive button) starts with one
    row per open line: the remaining quantity, the default destination, a lot field where the item is
    lot- or serial-tracked."""

    def receivable_orders(self):
        """The orders a new receipt may be recorded against: the active company's sent or partially received."""
        return scope_to_active_company(receivable_purchase_orders(company_id=self.request.company_id), self.request)

    def purchase_order(self, data):
        if self.object is not None:
            return self.object.purchase_order
        pk = (data or {}).get("purchase_order") or self.request.GET.get("purchase_order")
        if not str(pk or "").isdigit():
            return None
        return self.receivable_orders().select_related("warehouse").filter(pk=pk).first()

    def initial_rows(self, order) -> list[dict]:
        location = receiving_location(warehouse=order.warehouse)
        return [{"purchase_order_line": line.pk, "quantity": line.quantity_open,
                 "location": location.pk if location else None}
                for line in order.lines.select_related("item").order_by("line_number") if line.quantity_open > 0]

    def build(self, data=None, files=None):
        form = self.resource.get_form_class()(data=data, files=files, instance=self.object)
        scope_form(form, self.request)
        if self.object is None:
            form.fields["purchase_order"].queryset = self.receivable_orders()
        order = self.purchase_order(data)
        if order is not None and data is None and self.object is None:
            form.initial["purchase_order"] = order.pk
        lines = PurchaseOrderLine.objects.filter(purchase_order=order).select_related("item") if order else \
            PurchaseOrderLine.objects.none()
        tracked = {line.pk: line.item.tracking for line in lines}
        request = self.request
        formsets = []
        for inline, formset_class in self.resource.get_formset_classes():
            kwargs = {}
            if inline.related_name == "lines":
                if order is not None and data is None and self.object is None:
                    kwargs["initial"] = self.initial_rows(order)

                class ReceiptLineForm(formset_class.form):
                    # limited in __init__, so the "Add row" template (formset.empty_form) offers the same lines
                    def __init__(self, *args, **form_kwargs):
                        super().__init__(*args, **form_kwargs)
                        self.fields["purchase_order_line"].queryset = lines
                        chosen = self.initial.get("purchase_order_line") or self.instance.purchase_order_line_id
                        if chosen in tracked:
                            _mark_lot_fields(self, tracked[chosen])

                formset_class = type(formset_class.__name__, (formset_class,), {"form": ReceiptLineForm})
            formset = formset_class(data=data, files=files, instance=self.object or self.resource.model(),
                                    prefix=inline.related_name, form_kwargs={"request": request}, **kwargs)
            if kwargs.get("initial"):
                formset.extra = len(kwargs["initial"])
            formsets.append((inline, formset))
        return form, formsets


def _mark_lot_fields(form, tracking: str) -> None:
    """Ask for the lot where the item is tracked; grey the lot fields out where it is not."""
    if tracking == Tracking.NONE:
        for name in ("lot_code", "expires_on"):
            form.fields[name].widget.attrs.update(disabled=True, title="Not lot-tracked")
        return
    form.fields["lot_code"].widget.attrs.update(
        required=True, placeholder="Serial number" if tracking == Tracking.SERIAL else "Lot number")


class GoodsReceiptCreateView(GoodsReceiptFormMixin, ResourceCreateView):
    pass


class GoodsReceiptUpdateView(GoodsReceiptFormMixin, ResourceUpdateView):
    pass
