"""Quality and OEE browser pages beyond the generic Resource screens: OEE dashboards, incoming inspection."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import can, require_permission
from apps.mes.choices import RejectDestination
from apps.mes.models import WorkCenter
from apps.mes.selectors_oee import OeeFigures, work_center_oee, work_centers_oee
from apps.mes.selectors_quality import held_stock
from apps.mes.services.quality import held_stock_receipt_line, held_stock_reject, held_stock_release
from apps.scm.choices import LocationKind
from apps.scm.models import Location

CHART_HEIGHT = 160
BAR_WIDTH = 28
BAR_GAP = 12
CHART_LEFT = 40



# ---- OEE --------------------------------------------------------------------------------------------------------
class OeeRangeForm(forms.Form):
    date_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must not be before the start date.")
        elif start and end and (end - start).days >= 366:
            self.add_error("date_to", "At most 366 days at a time.")
        return data


def _percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{(value * 100).quantize(Decimal('0.1'))} %"


def oee_chart(days: list[OeeFigures]) -> dict:
    """Geometry of an inline SVG bar chart of daily OEE (no JavaScript, no external library)."""
    scale_max = max([Decimal(1), *[d.oee for d in days if d.oee is not None]])
    bars = []
    for index, day in enumerate(days):
        x = CHART_LEFT + index * (BAR_WIDTH + BAR_GAP)
        value = day.oee if day.oee is not None else Decimal(0)
        height = int((value / scale_max) * CHART_HEIGHT)
        bars.append({
            "x": x, "y": 10 + CHART_HEIGHT - height, "width": BAR_WIDTH, "height": height,
            "label_x": x + BAR_WIDTH // 2, "date": day.date, "text": _percent(day.oee),
            "missing": day.oee is None,
        })
    grid = [{"y": 10 + CHART_HEIGHT - int(CHART_HEIGHT * Decimal(p) / 100 / scale_max), "label": f"{p} %"}
            for p in (0, 50, 100)]
    return {"bars": bars, "grid": grid, "width": CHART_LEFT + len(days) * (BAR_WIDTH + BAR_GAP) + 10,
            "height": CHART_HEIGHT + 50, "baseline": 10 + CHART_HEIGHT}


@login_required
def oee_overview(request):
    """Every active work center with its OEE over the last 7 days, linking to its dashboard."""
    require_permission(request, "mes.view_workcenter")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=6)
    centers = list(scope_to_active_company(WorkCenter.objects.filter(is_active=True), request).order_by("code"))
    reports = work_centers_oee(work_centers=centers, date_from=start, date_to=today)  # not four queries per center
    rows = [(wc, reports[wc.pk].total) for wc in centers]
    return render(request, "mes/oee_overview.html", {"title": "OEE", "rows": rows, "date_from": start,
                                                      "date_to": today})


@login_required
def oee_dashboard(request, pk: int):
    """A work center's OEE per day (bar chart) and its components, for a date range (default: 14 days)."""
    require_permission(request, "mes.view_workcenter")
    work_center = get_object_or_404(scope_to_active_company(WorkCenter.objects.all(), request), pk=pk)
    today = timezone.localdate()
    form = OeeRangeForm(request.GET or {"date_from": today - datetime.timedelta(days=13), "date_to": today})
    report = None
    if form.is_valid():
        report = work_center_oee(work_center=work_center, **form.cleaned_data)
    return render(request, "mes/oee_dashboard.html", {
        "title": f"OEE {work_center}", "work_center": work_center, "form": form, "report": report,
        "chart": oee_chart(report.days) if report else None,
    }, status=200 if report else 400)


# ---- incoming inspection ---------------------------------------------------------------------------------------
class ReleaseForm(forms.Form):
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0.0001"))
    to_location = forms.ModelChoiceField(queryset=Location.objects.none())


class RejectForm(forms.Form):
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0.0001"))
    destination = forms.ChoiceField(choices=RejectDestination.choices)
    description = forms.CharField(max_length=2000)
    customer_facing = forms.BooleanField(required=False)


def _release_locations(request):
    locations = Location.objects.filter(kind=LocationKind.INTERNAL, is_quality_hold=False, is_active=True)
    return scope_to_active_company(locations, request).order_by("code")


@login_required
def incoming_inspection(request):
    """Stock on quality hold (from receipts put on hold): release it into stock or reject it."""
    require_permission(request, "mes.view_qualitycheck")
    quants = list(held_stock(company_ids=[request.company_id] if request.company_id else []))
    rows = [(q, held_stock_receipt_line(item=q.item, location=q.location, lot=q.lot)) for q in quants]
    return render(request, "mes/quality_incoming.html", {
        "title": "Incoming inspection", "rows": rows, "locations": _release_locations(request),
        "destinations": RejectDestination.choices,
        "can_decide": can(request, "mes.add_qualitycheck"),
    })


def _held_quant(request, pk: int):
    require_permission(request, "mes.add_qualitycheck")
    return get_object_or_404(held_stock(company_ids=[request.company_id] if request.company_id else []), pk=pk)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(errors)}")


@login_required
@require_POST
def incoming_release(request, pk: int):
    quant = _held_quant(request, pk)
    form = ReleaseForm(request.POST)
    form.fields["to_location"].queryset = _release_locations(request)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            with transaction.atomic():
                held_stock_release(company=quant.company, item=quant.item, location=quant.location, lot=quant.lot,
                                   actor=request.user, **form.cleaned_data)
        except DomainError as error:
            for field, _code, message in error.errors:
                messages.error(request, f"{field}: {message}" if field else message)
        else:
            messages.success(request, f"Released {form.cleaned_data['quantity'].normalize():f} {quant.item.number} "
                                      f"to {form.cleaned_data['to_location']}.")
    return HttpResponseRedirect(reverse("mes:quality_incoming"))


@login_required
@require_POST
def incoming_reject(request, pk: int):
    quant = _held_quant(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(reverse("mes:quality_incoming"))
    try:
        nc = held_stock_reject(company=quant.company, item=quant.item, location=quant.location, lot=quant.lot,
                               actor=request.user, **form.cleaned_data)
    except DomainError as error:
        for field, _code, message in error.errors:
            messages.error(request, f"{field}: {message}" if field else message)
        return HttpResponseRedirect(reverse("mes:quality_incoming"))
    messages.success(request, f"Rejected {form.cleaned_data['quantity'].normalize():f} {quant.item.number}: {nc}.")
    return HttpResponseRedirect(nc.get_absolute_url())
