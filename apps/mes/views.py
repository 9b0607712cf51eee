"""MES production pages beyond the generic resources: operator screen, scan, traveler PDF, genealogy."""

import inspect
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.http import pdf_response
from apps.core.limits import harden_form
from apps.core.scoping import scope_to_active_company
from apps.core.ui.errors import RoleDenied
from apps.core.ui.views import ResourceDetailView, apply_domain_error, can, require_permission
from apps.core.workflow import may_take_step
from apps.mes import selectors
from apps.mes.choices import OPEN_WORK_ORDER_STATUSES, OperationStatus
from apps.mes.models import CheckDefinition, Operation, WorkCenter, WorkOrder
from apps.mes.resources import OperationResource, RecordTimeForm
from apps.mes.selectors_completion import work_order_completion_lots
from apps.mes.services import operations
from apps.mes.services.quality import quality_check_record
from apps.mes.services.workorders import work_order_close_short, work_order_complete
from apps.scm.models import Lot


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
    """The kiosk's first page: pick a work center (big tiles with its Running/Idle/Down badge)."""
    require_permission(request, "mes.view_operation")
    centers = scope_to_active_company(WorkCenter.objects.filter(is_active=True), request).order_by("code")
    return render(request, "mes/operator_home.html", {"title": "Operator screen", "work_centers": centers})


def _selected(dispatch: list, request):
    """The operation the screen shows: the one asked for, else the running one, else the first to complete,
    else the first in the dispatch order."""
    if request.GET.get("operation"):
        return next((o for o in dispatch if str(o.pk) == request.GET["operation"]), None)
    if request.GET.get("work_order"):
        return next((o for o in dispatch if str(o.work_order_id) == request.GET["work_order"]), None)
    for statuses in ((OperationStatus.IN_PROGRESS, OperationStatus.PAUSED), (OperationStatus.DONE,)):
        found = next((o for o in dispatch if o.status in statuses), None)
        if found is not None:
            return found
    return dispatch[0] if dispatch else None


def _waiting_for(operation: Operation):
    """The previous operation this one waits for (not started before a start, not finished before a finish)."""
    previous = operations.previous_operation(operation)
    if previous is None:
        return None
    if operation.status == OperationStatus.PENDING and previous.status == OperationStatus.PENDING:
        return previous
    if operation.status in (OperationStatus.IN_PROGRESS, OperationStatus.PAUSED) and \
            previous.status != OperationStatus.DONE:
        return previous
    return None


@login_required
def operator_screen(request, pk: int):
    """The kiosk page of one work center: scan field, dispatch list, big buttons, quantity and check entry;
    an order whose last operation is done stays listed here until it is completed (or closed short)."""
    require_permission(request, "mes.view_operation")
    work_center = get_object_or_404(scope_to_active_company(WorkCenter.objects.all(), request), pk=pk)
    dispatch = list(selectors.dispatch_list(work_center=work_center))
    selected = _selected(dispatch, request)
    last = selected is not None and not selected.work_order.operations.filter(sequence__gt=selected.sequence).exists()
    open_order = last and selected.work_order.status in OPEN_WORK_ORDER_STATUSES
    # finished units are reported at the last operation once it has started: before, the form would book units
    # that no one has made at this work center yet (the office's work-order page still offers it, for corrections)
    started = selected is not None and selected.status != OperationStatus.PENDING
    reported = open_order and (selected.work_order.quantity_good + selected.work_order.quantity_scrap) > 0
    return render(request, "mes/operator_screen.html", {
        "title": f"Operator · {work_center.code}", "work_center": work_center, "dispatch": dispatch,
        "selected": selected, "check_url": quality_check_url(selected) if selected else None,
        "missing_checks": operations.operation_missing_checks(selected) if selected else [],
        "waiting_for": _waiting_for(selected) if selected else None,
        "can_change": can(request, "mes.change_operation"),
        "can_override": selected is not None and operations.may_override_sequence(request.user, selected),
        # the last operation reports the finished units: the completion form with the lots to consume
        "completion_lots": work_order_completion_lots(work_order=selected.work_order) if last else None,
        "can_complete": open_order and started and can(request, "mes.change_workorder"),
        "complete_after_start": open_order and not started and can(request, "mes.change_workorder"),
        "can_close_short": reported and may_take_step(selected.work_order, "close_short", request.user),
        "back_url": request.get_full_path(),
    })


@login_required
@require_POST
def operator_close_short(request, pk: int):
    """Close a work order short from the kiosk (after its confirmation) and come back to the screen."""
    work_order = get_object_or_404(scope_to_active_company(WorkOrder.objects.all(), request), pk=pk)
    if not may_take_step(work_order, "close_short", request.user):
        raise PermissionDenied
    try:
        with transaction.atomic():
            work_order_close_short(work_order=work_order, actor=request.user, reason="Closed short on the floor.")
    except DomainError as error:
        _flash(request, error)
    else:
        messages.success(request, f"{work_order.number} closed short.")
    return redirect(_next(request) or work_order.get_absolute_url())


@login_required
@require_POST
def operator_check_record(request, pk: int):
    """Record the result of one check of a required inspection plan from the operator screen."""
    require_permission(request, "mes.add_qualitycheck")
    operation = get_object_or_404(scope_to_active_company(Operation.objects.select_related("work_order"), request),
                                  pk=pk)
    definition = get_object_or_404(scope_to_active_company(CheckDefinition.objects.select_related("plan"), request),
                                   pk=request.POST.get("check_definition") or 0)
    verdict = request.POST.get("passed")
    measured = (request.POST.get("measured_value") or "").strip()
    try:
        with transaction.atomic():
            check = quality_check_record(
                company=operation.work_order.company, actor=request.user, check_definition=definition,
                operation=operation, passed=None if verdict in (None, "") else verdict == "pass",
                measured_value=_decimal(measured, "measured_value") if measured else None)
    except DomainError as error:
        _flash(request, error)
    else:
        messages.success(request, f"{check.name}: {check.get_result_display()}.")
    return redirect(f"{reverse('mes:operator_screen', args=[operation.work_center_id])}?operation={operation.pk}")


def _consumed_lots(request, work_order) -> list[dict]:
    """The operator's lots from `lot-<component id>-<lot id>` = quantity fields (blank: FEFO default)."""
    rows = []
    for key, value in request.POST.items():
        parts = key.split("-")
        if len(parts) != 3 or parts[0] != "lot" or not (parts[1].isdigit() and parts[2].isdigit()):
            continue
        quantity = _decimal(value, key) if (value or "").strip() else Decimal(0)
        if quantity == 0:
            continue
        lot = scope_to_active_company(Lot.objects.filter(pk=int(parts[2]), item_id=int(parts[1])), request).first()
        if lot is None:
            raise DomainError(key, "Unknown lot of that component.")
        rows.append({"component": int(parts[1]), "lot": lot, "quantity": quantity})
    return rows


@login_required
@require_POST
def work_order_complete_view(request, pk: int):
    """Report finished units of a work order with the lots the operator chose per component."""
    require_permission(request, "mes.change_workorder")
    work_order = get_object_or_404(scope_to_active_company(WorkOrder.objects.all(), request), pk=pk)
    good_before = work_order.quantity_good
    try:
        # a quantity left empty is what the floor reported (the service's default)
        data = {"quantity_good": _optional_decimal(request.POST.get("quantity_good"), "quantity_good"),
                "quantity_scrap": _optional_decimal(request.POST.get("quantity_scrap"), "quantity_scrap"),
                "lot_code": (request.POST.get("lot_code") or "").strip() or None,
                "consumed_lots": _consumed_lots(request, work_order) or None}
        with transaction.atomic():
            work_order = work_order_complete(work_order=work_order, actor=request.user, **data)
    except DomainError as error:
        _flash(request, error)
    else:
        messages.success(request, f"{work_order.number}: {(work_order.quantity_good - good_before).normalize():f} "
                                  "completed.")
    return redirect(_next(request) or work_order.get_absolute_url())


def _next(request) -> str:
    """Where a kiosk form goes back to (`next`, this site only)."""
    target = request.POST.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _flash(request, error: DomainError) -> None:
    for field, _code, message in error.errors:
        messages.error(request, f"{field}: {message}" if field else message)


@login_required
def operator_scan(request, pk: int):
    """A scanner types a work order number, an operation's code from the traveler (`WO-2026-00001/20`) or a lot
    code and Enter: jump to it."""
    require_permission(request, "mes.view_operation")
    work_center = get_object_or_404(scope_to_active_company(WorkCenter.objects.all(), request), pk=pk)
    code = (request.GET.get("code") or request.POST.get("code") or "").strip()
    screen = reverse("mes:operator_screen", args=[work_center.pk])
    if not code:
        return redirect(screen)
    number, _slash, sequence = code.rpartition("/")
    if number and sequence.isdigit():
        operation = scope_to_active_company(Operation.objects.filter(
            work_order__number__iexact=number, sequence=int(sequence)), request).select_related(
            "work_center", "work_order").first()
        if operation is not None and operation.work_center_id != work_center.pk:
            messages.info(request, f"Operation {operation.sequence} of {operation.work_order.number} "
                                   f"is done at {operation.work_center.code}.")
            return redirect(f"{reverse('mes:operator_screen', args=[operation.work_center_id])}"
                            f"?operation={operation.pk}")
        if operation is not None:
            return redirect(f"{screen}?operation={operation.pk}")
        # not an operation: a lot code may have a slash too
    work_order = scope_to_active_company(WorkOrder.objects.filter(number__iexact=code), request).first()
    if work_order is not None:
        operation = selectors.dispatch_list(work_center=work_center).filter(work_order=work_order).first()
        if operation is not None:
            return redirect(f"{screen}?operation={operation.pk}")
        messages.info(request, f"{work_order.number} has no open operation at {work_center.code}.")
        return redirect(work_order.get_absolute_url())
    lots = list(scope_to_active_company(Lot.objects.filter(code__iexact=code), request).select_related("item")[:2])
    if lots:
        return redirect(f"{reverse('mes:genealogy')}?lot={lots[0].code}&item={lots[0].item_id}")
    messages.error(request, f"No work order, operation or lot '{code}'.")
    return redirect(screen)


_OPERATOR_SERVICES = {
    "start": operations.operation_start,
    "pause": operations.operation_pause,
    "resume": operations.operation_resume,
    "finish": operations.operation_finish,
}


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value or "0").replace(",", "."))
    except InvalidOperation as exc:
        raise DomainError(field, "Enter a number.") from exc
    if not number.is_finite():
        raise DomainError(field, "Enter a number.")
    return number


def _optional_decimal(value, field: str) -> Decimal | None:
    return None if not (value or "").strip() else _decimal(value, field)


@login_required
@require_POST
def operator_operation_action(request, pk: int, verb: str):
    """A big button of the operator screen: start, pause, resume or finish (with quantities)."""
    require_permission(request, "mes.change_operation")
    operation = get_object_or_404(scope_to_active_company(Operation.objects.select_related("work_center"), request),
                                  pk=pk)
    service = _OPERATOR_SERVICES.get(verb)
    if service is None:
        raise Http404("No such action.")
    data = {}
    if verb in ("start", "finish") and request.POST.get("override_sequence") == "1":
        data["override_sequence"] = True  # the service lets supervisors only, and records it
    try:
        if verb == "finish":
            data.update(quantity_good=_decimal(request.POST.get("quantity_good"), "quantity_good"),
                        quantity_scrap=_decimal(request.POST.get("quantity_scrap"), "quantity_scrap"),
                        scrap_reason=request.POST.get("scrap_reason", "")[:200])
        object_arg = next(iter(inspect.signature(service).parameters))
        with transaction.atomic():
            service(**{object_arg: operation}, actor=request.user, **data)
    except DomainError as error:
        _flash(request, error)
    else:
        messages.success(request, f"{operation}: {verb} done.")
    return redirect(f"{reverse('mes:operator_screen', args=[operation.work_center_id])}?operation={operation.pk}")


class OperationRecordTimeView(ResourceDetailView):
    """The "Record time" form of an operation's office page (POST): time worked after the fact, through
    `operation_time_record`, with the operation steps' permission (`mes.change_operation` in its company). A
    refused entry shows the page again with the service's message at the field it names."""

    resource = OperationResource
    http_method_names = ["post"]

    def post(self, request, pk: int):
        operation = self.get_object()
        if not self.resource.may_take(operation, "record_time", request.user):
            raise RoleDenied(self.resource.perm("change"))
        form = RecordTimeForm(request.POST, auto_id="id_record_time_%s")
        harden_form(form)
        if form.is_valid():
            try:
                with transaction.atomic():
                    log = operations.operation_time_record(operation=operation, actor=request.user,
                                                           **form.cleaned_data)
            except DomainError as error:
                apply_domain_error(error, form, [])
            else:
                messages.success(request, f"{operation}: {log.get_kind_display().lower()} time recorded, "
                                          f"{log.hours:.2f} h.")
                return redirect(operation.get_absolute_url())
        context = self.get_context_data()
        context["record_time_form"] = form
        return self.render_to_response(context, status=400)


@login_required
def work_order_traveler(request, pk: int):
    """The shop-floor traveler of a work order as PDF, with Code 39 barcodes of the order and operations."""
    require_permission(request, "mes.view_workorder")
    work_order = get_object_or_404(
        scope_to_active_company(WorkOrder.objects.select_related("item", "revision"), request), pk=pk)
    from apps.mes.traveler import traveler_pdf

    return pdf_response(traveler_pdf(work_order), f"{work_order.number}-traveler.pdf")


@login_required
def genealogy(request):
    """Trace a lot or serial both ways (what it was made of, what it went into), all levels."""
    require_permission(request, "mes.view_genealogylink")
    code = (request.GET.get("lot") or "").strip()
    context = {"title": "Genealogy", "code": code, "result": None, "candidates": []}
    if code:
        lots = scope_to_active_company(Lot.objects.filter(Q(code=code) | Q(code__iexact=code)), request)
        lots = lots.select_related("item")
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
