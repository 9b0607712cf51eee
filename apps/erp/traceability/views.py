"""Browser screens of traceability: the trace of a record (`/erp/trace/<kind>/<id>/`), a search to start one
(`/erp/trace/`), and the recall of a supplier lot (`/erp/recall/`, `/erp/recall/lot/<id>/` with its CSV/XLSX
export `?_export=csv|xlsx`)."""

import tablib
from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from apps.core.scoping import scope_to_active_company
from apps.core.ui.forms import scope_form
from apps.core.ui.views import can, require_permission, role_required
from apps.core.ui.widgets import PickerWidget
from apps.erp.traceability.graph import KINDS, START_KINDS, trace_graph
from apps.erp.traceability.recall import EXPORT_COLUMNS, recall_lot, recall_rows
from apps.scm.models import Lot

RECALL_PERMISSION = "erp.recall_lot"
# where each kind sits on the trace page, in the order of the thread
STAGES = [
    ("Sales", ["quote", "sales_order", "customer"]),
    ("Engineering", ["change_order", "revision"]),
    ("Production", ["work_order", "operation", "nonconformance"]),
    ("Material", ["lot"]),
    ("Purchasing", ["supplier", "purchase_order", "receipt"]),
    ("Delivery and billing", ["shipment", "invoice", "payment"]),
]
SLUG_OF = {kind: slug for slug, kind in START_KINDS.items()}
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def trace_url_name(kind: str) -> str:
    return f"trace_{kind.replace('_', '')}"


@login_required
def trace_page(request, pk: int, kind: str):
    """The chain of one record of the active company, both ways, grouped by module, with every link."""
    spec = KINDS[kind]
    require_permission(request, spec.permission)
    record = get_object_or_404(scope_to_active_company(spec.model.objects.all(), request), pk=pk)
    trace = trace_graph(record=record, kind=kind, user=request.user)
    by_key = {node["key"]: node for node in trace.nodes}
    for node in trace.nodes:
        if node["kind"] in SLUG_OF and not node["is_root"]:
            node["trace_url"] = reverse(f"erp:{trace_url_name(node['kind'])}", args=[node["id"]])
    stages = [(label, [node for node in trace.nodes if node["kind"] == kind_name])
              for label, kinds in STAGES for kind_name in kinds]
    grouped: list[tuple[str, list[dict]]] = []
    for label, nodes in stages:
        if nodes:
            if grouped and grouped[-1][0] == label:
                grouped[-1][1].extend(nodes)
            else:
                grouped.append((label, list(nodes)))
    edges = [(by_key[e["from"]], e["relation"], by_key[e["to"]]) for e in trace.edges]
    root = by_key[trace.root]
    recall = (kind == "lot" and can(request, RECALL_PERMISSION)
              and reverse("erp:recall_lot", args=[record.pk]))
    return render(request, "erp/trace.html", {
        "title": f"Trace of {spec.label.lower()} {root['label']}", "root": root, "stages": grouped, "edges": edges,
        "trace": trace, "api_url": reverse("erp-trace", args=[SLUG_OF[kind], record.pk]), "recall_url": recall})


class TraceSearchForm(forms.Form):
    q = forms.CharField(label="Number, lot or serial", max_length=60, required=False,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "autofocus": True}))


# what the search looks in: kind → the fields matched (exactly or by prefix)
SEARCHED = {"sales_order": ["number"], "lot": ["code"], "work_order": ["number"], "purchase_order": ["number"],
            "invoice": ["number"], "shipment": ["number"]}


@role_required("erp.view_salesorder")
def trace_search(request):
    """Find the record to trace by its number, lot or serial code (one query per kind, 20 results each)."""
    form = TraceSearchForm(request.GET or None)
    results = []
    term = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if term:
        for kind, fields in SEARCHED.items():
            spec = KINDS[kind]
            if not can(request, spec.permission):
                continue
            match = Q()
            for name in fields:
                match |= Q(**{f"{name}__istartswith": term})
            rows = scope_to_active_company(spec.model.objects.filter(match), request).order_by("-id")[:20]
            results += [{"kind": spec.label, "label": str(row), "url": row.get_absolute_url(),
                         "trace_url": reverse(f"erp:{trace_url_name(kind)}", args=[row.pk])} for row in rows]
        if len(results) == 1:
            return HttpResponseRedirect(results[0]["trace_url"])
    return render(request, "erp/trace_search.html", {"title": "Traceability", "form": form, "results": results,
                                                     "term": term})


class RecallForm(forms.Form):
    lot = forms.ModelChoiceField(queryset=Lot.objects.all(), label="Supplier lot", widget=PickerWidget())


@role_required(RECALL_PERMISSION)
def recall_start(request):
    """Pick the lot to recall."""
    form = RecallForm(request.GET or None)
    scope_form(form, request)
    if request.GET and form.is_valid():
        return HttpResponseRedirect(reverse("erp:recall_lot", args=[form.cleaned_data["lot"].pk]))
    return render(request, "erp/recall_start.html", {"title": "Recall", "form": form},
                  status=400 if request.GET else 200)


@role_required(RECALL_PERMISSION)
def recall_page(request, pk: int):
    """Every lot, serial, work order, shipment and customer a lot reached; `?_export=csv|xlsx` downloads it."""
    lot = get_object_or_404(scope_to_active_company(Lot.objects.select_related("item"), request), pk=pk)
    result = recall_lot(lot=lot)
    export = request.GET.get("_export")
    if export in EXPORT_TYPES:
        dataset = tablib.Dataset(*recall_rows(result), headers=EXPORT_COLUMNS, title=f"Recall {lot.code}"[:31])
        response = HttpResponse(dataset.export(export), content_type=EXPORT_TYPES[export])
        response["Content-Disposition"] = f'attachment; filename="recall-{lot.pk}.{export}"'
        return response
    return render(request, "erp/recall.html", {"title": f"Recall of lot {lot.code}", "lot": lot, "result": result,
                                               "trace_url": reverse("erp:trace_lot", args=[lot.pk])})


urlpatterns = [
    path("trace/", trace_search, name="trace"),
    *[path(f"trace/{slug}/<int:pk>/", trace_page, {"kind": kind}, name=trace_url_name(kind))
      for slug, kind in START_KINDS.items()],
    path("recall/", recall_start, name="recall"),
    path("recall/lot/<int:pk>/", recall_page, name="recall_lot"),
]
