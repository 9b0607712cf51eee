"""Custom browser pages of purchasing and shipments: PDFs, the picking screen, replenishment, supplier performance."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods

from apps.core.errors import DomainError
from apps.core.models import Company, Party
from apps.core.scoping import scope_queryset
from apps.plm.models import Item
from apps.scm.choices import RequisitionSource, RequisitionStatus, ShipmentStatus
from apps.scm.models import Location, Lot, PurchaseOrder, PurchaseRequisition, Shipment
from apps.scm.pdf import delivery_note_pdf, purchase_order_pdf
from apps.scm.selectors_purchasing import supplier_performance
from apps.scm.services.replenishment import replenishment_run
from apps.scm.services.shipments import shipment_pick


def _scoped(request, queryset):
    return scope_queryset(queryset, request.user, [request.company_id])


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@permission_required("scm.view_purchaseorder", raise_exception=True)
def purchase_order_pdf_view(request, pk: int):
    order = get_object_or_404(_scoped(request, PurchaseOrder.objects.all()), pk=pk)
    return _pdf(purchase_order_pdf(order), f"{order.number}.pdf")


@login_required
@permission_required("scm.view_shipment", raise_exception=True)
def delivery_note_view(request, pk: int):
    shipment = get_object_or_404(_scoped(request, Shipment.objects.all()), pk=pk)
    return _pdf(delivery_note_pdf(shipment), f"{shipment.number}.pdf")


def _resolve_scan(request, code: str):
    """A scanned barcode: a location (barcode or code), a lot/serial, or an item number of the active company."""
    location = _scoped(request, Location.objects.filter(Q(barcode=code) | Q(code=code))).first()
    if location is not None:
        return "location", location
    lot = _scoped(request, Lot.objects.filter(code=code).select_related("item")).first()
    if lot is not None:
        return "lot", lot
    item = _scoped(request, Item.objects.filter(number=code)).first()
    if item is not None:
        return "item", item
    return None, None


@login_required
@permission_required("scm.change_shipment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shipment_picking_view(request, pk: int):
    """The picking screen: a focused scan field; Enter confirms. A location scan sets where you are,
    an item or lot scan picks the quantity there."""
    shipment = get_object_or_404(_scoped(request, Shipment.objects.select_related("customer")), pk=pk)
    location_id = request.POST.get("location") or request.GET.get("location")
    current = _scoped(request, Location.objects.all()).filter(pk=location_id).first() if location_id else None
    if request.method == "POST":
        code = request.POST.get("scan", "").strip()
        kind, found = _resolve_scan(request, code)
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


@login_required
@permission_required("scm.view_purchaserequisition", raise_exception=True)
@require_http_methods(["GET", "POST"])
def replenishment_proposals_view(request):
    """Open requisitions proposed by replenishment, and a button to run it now."""
    can_run = request.user.has_perm("scm.add_purchaserequisition")
    if request.method == "POST":
        if not can_run or request.company_id is None:
            return HttpResponse(status=403)
        proposed = replenishment_run(company=Company.objects.get(pk=request.company_id), actor=request.user)
        messages.success(request, f"Replenishment ran: {len(proposed)} new proposal(s).")
        return HttpResponseRedirect(reverse("scm:replenishment_proposals"))
    proposals = _scoped(request, PurchaseRequisition.objects.filter(
        source=RequisitionSource.REPLENISHMENT, status=RequisitionStatus.OPEN).select_related(
        "item", "warehouse", "supplier").order_by("item__number"))
    return render(request, "scm/replenishment/proposals.html",
                  {"proposals": proposals, "can_run": can_run, "title": "Replenishment proposals"})


@login_required
@permission_required("scm.view_goodsreceipt", raise_exception=True)
def supplier_performance_view(request):
    """On-time %, average lead time and rejected % per supplier, from posted receipts."""
    date_from, date_to = parse_date(request.GET.get("date_from", "")), parse_date(request.GET.get("date_to", ""))
    suppliers = _scoped(request, Party.objects.filter(is_supplier=True)).order_by("name")
    rows = [supplier_performance(supplier=s, date_from=date_from, date_to=date_to) for s in suppliers]
    return render(request, "scm/purchasing/supplier_performance.html", {
        "rows": rows, "date_from": date_from, "date_to": date_to, "title": "Supplier performance"})
