"""MES production pages beyond the generic resources: operator screen, scan, traveler PDF, genealogy."""

import inspect
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.scoping import scope_queryset
from apps.mes import selectors
from apps.mes.models import Operation, WorkCenter, WorkOrder
from apps.mes.services import operations
from apps.scm.models import Lot


def _scoped(request, queryset):
    return scope_queryset(queryset, request.user, [request.company_id])


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def quality_check_url(operation: Operation) -> str | None:
    """The quality engineer's check form for an operation, when that screen exists."""
    for name, args in (("mes:qualitycheck_create", None), ("mes:quality_check_form", [operation.pk])):
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        return f"{url}?operation={operation.pk}" if args is None else url
    return None


@login_required
def operator_home(request):
    """Pick a work center for the operator screen."""
    _require(request, "mes.view_operation")
    centers = _scoped(request, WorkCenter.objects.filter(is_active=True)).order_by("code")
    return render(request, "mes/operator_home.html", {"title": "Operator screen", "work_centers": centers})


@login_required
def operator_screen(request, pk: int):
    """Tablet page of one work center: scan field, dispatch list, big buttons, quantity and check entry."""
    _require(request, "mes.view_operation")
    work_center = get_object_or_404(_scoped(request, WorkCenter.objects.all()), pk=pk)
    dispatch = list(selectors.dispatch_list(work_center=work_center))
    selected = None
    wanted = request.GET.get("operation") or request.GET.get("work_order")
    if request.GET.get("operation"):
        selected = next((o for o in dispatch if str(o.pk) == request.GET["operation"]), None)
    elif request.GET.get("work_order"):
        selected = next((o for o in dispatch if str(o.work_order_id) == request.GET["work_order"]), None)
    if selected is None and not wanted:
        selected = next((o for o in dispatch if o.status != "pending"), dispatch[0] if dispatch else None)
    return render(request, "mes/operator_screen.html", {
        "title": f"Operator · {work_center.code}", "work_center": work_center, "dispatch": dispatch,
        "selected": selected, "check_url": quality_check_url(selected) if selected else None,
        "can_change": request.user.has_perm("mes.change_operation"),
    })


@login_required
def operator_scan(request, pk: int):
    """A scanner types a work order number or a lot code and Enter: jump to it."""
    _require(request, "mes.view_operation")
    work_center = get_object_or_404(_scoped(request, WorkCenter.objects.all()), pk=pk)
    code = (request.GET.get("code") or request.POST.get("code") or "").strip()
    screen = reverse("mes:operator_screen", args=[work_center.pk])
    if not code:
        return redirect(screen)
    work_order = _scoped(request, WorkOrder.objects.filter(number__iexact=code)).first()
    if work_order is not None:
        operation = selectors.dispatch_list(work_center=work_center).filter(work_order=work_order).first()
        if operation is not None:
            return redirect(f"{screen}?operation={operation.pk}")
        messages.info(request, f"{work_order.number} has no open operation at {work_center.code}.")
        return redirect(work_order.get_absolute_url())
    lots = list(_scoped(request, Lot.objects.filter(code__iexact=code)).select_related("item")[:2])
    if lots:
        return redirect(f"{reverse('mes:genealogy')}?lot={lots[0].code}&item={lots[0].item_id}")
    messages.error(request, f"No work order or lot '{code}'.")
    return redirect(screen)


_OPERATOR_SERVICES = {
    "start": operations.operation_start,
    "pause": operations.operation_pause,
    "resume": operations.operation_resume,
    "finish": operations.operation_finish,
}


def _decimal(value, field: str) -> Decimal:
    try:
        return Decimal(str(value or "0").replace(",", "."))
    except InvalidOperation as exc:
        raise DomainError(field, "Enter a number.") from exc


@login_required
@require_POST
def operator_operation_action(request, pk: int, verb: str):
    """A big button of the operator screen: start, pause, resume or finish (with quantities)."""
    _require(request, "mes.change_operation")
    operation = get_object_or_404(_scoped(request, Operation.objects.select_related("work_center")), pk=pk)
    service = _OPERATOR_SERVICES.get(verb)
    if service is None:
        raise Http404("No such action.")
    data = {}
    try:
        if verb == "finish":
            data = {"quantity_good": _decimal(request.POST.get("quantity_good"), "quantity_good"),
                    "quantity_scrap": _decimal(request.POST.get("quantity_scrap"), "quantity_scrap"),
                    "scrap_reason": request.POST.get("scrap_reason", "")[:200]}
        object_arg = next(iter(inspect.signature(service).parameters))
        with transaction.atomic():
            service(**{object_arg: operation}, actor=request.user, **data)
    except DomainError as error:
        for field, _code, message in error.errors:
            messages.error(request, f"{field}: {message}" if field else message)
    else:
        messages.success(request, f"{operation}: {verb} done.")
    return redirect(f"{reverse('mes:operator_screen', args=[operation.work_center_id])}?operation={operation.pk}")


@login_required
def work_order_traveler(request, pk: int):
    """The shop-floor traveler of a work order as PDF, with Code 39 barcodes of the order and operations."""
    _require(request, "mes.view_workorder")
    work_order = get_object_or_404(_scoped(request, WorkOrder.objects.select_related("item", "revision")), pk=pk)
    from apps.mes.traveler import traveler_pdf

    response = HttpResponse(traveler_pdf(work_order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{work_order.number}-traveler.pdf"'
    return response


@login_required
def genealogy(request):
    """Trace a lot or serial both ways (what it was made of, what it went into), all levels."""
    _require(request, "mes.view_genealogylink")
    code = (request.GET.get("lot") or "").strip()
    context = {"title": "Genealogy", "code": code, "result": None, "candidates": []}
    if code:
        lots = _scoped(request, Lot.objects.filter(Q(code=code) | Q(code__iexact=code))).select_related("item")
        item = request.GET.get("item")
        if item and item.isdigit():
            lots = lots.filter(item_id=int(item))
        lots = list(lots[:20])
        if len(lots) == 1:
            context["result"] = selectors.lot_genealogy(lot=lots[0])
        elif lots:
            context["candidates"] = lots
        else:
            messages.error(request, f"No lot or serial '{code}'.")
    return render(request, "mes/genealogy.html", context)
