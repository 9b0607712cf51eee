"""CRM pages beyond the generic resource screens: the customer 360, the board (drag and drop), the forecast
(charts and tables), my activities, the quote PDF, merging leads, moving opportunities, feedback to engineering
and the imports."""

import base64

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.http import pdf_response
from apps.core.models import Company, Party
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number, format_percent
from apps.core.ui.forms import scope_form
from apps.core.ui.views import can, role_required
from apps.crm import selectors
from apps.crm.forms import FeedbackForm, ImportForm, MergeForm, MoveForm
from apps.crm.models import Lead, Opportunity, PipelineStage, Quote, ServiceCase
from apps.crm.pdf import quote_pdf
from apps.crm.services import imports
from apps.crm.services.cases import case_submit_feedback, opportunity_submit_feedback
from apps.crm.services.leads import lead_merge
from apps.crm.services.pipeline import opportunity_move, pipeline_stages_ensure

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _error(request, error: DomainError) -> None:
    for field, _code, message in error.errors:
        messages.error(request, f"{field}: {message}" if field else message)


def _owner(request):
    """`?owner=me`, a user id, or everyone's (default), for the board and the forecast."""
    raw = request.GET.get("owner", "all")
    if raw == "me":
        return request.user
    if raw.isdigit():
        return scope_to_active_company(get_user_model().objects.all(), request).filter(pk=int(raw)).first()
    return None


def _owner_choices(request) -> list[tuple[str, str]]:
    """The owner filter's options: everyone's, mine, then each member of the active company (one query)."""
    users = scope_to_active_company(get_user_model().objects.all(), request).order_by("username")
    return [("all", "Everyone's"), ("me", "Mine"),
            *((str(user.pk), user.get_full_name() or user.username) for user in users)]


@role_required("crm.view_customerprofile")
def customer_360(request, pk: int):
    """Everything about one customer: profile, contacts, opportunities, quotes, cases, activities, timeline."""
    customer = get_object_or_404(scope_to_active_company(Party.objects.filter(is_customer=True), request), pk=pk)
    context = selectors.customer_overview(customer=customer)
    context.update(title=f"Customer {customer.name}", can_add_profile=can(request, "crm.add_customerprofile"),
                   now=timezone.now())
    return render(request, "crm/customer_360.html", context)


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _board(request, columns: list[selectors.BoardColumn], company: Company, owner) -> dict:
    """The pipeline in the shape of the shared kanban (`core/partials/kanban_board.html`): a column per stage with
    its count and totals, cards the user may drag when their role may change opportunities."""
    can_move = can(request, "crm.change_opportunity")
    list_url = reverse("crm:opportunity_list")
    owner_query = f"&owner={owner.pk}" if owner is not None else ""
    currency = company.currency.code
    board_columns = []
    for column in columns:
        stage = column.stage
        board_columns.append({
            "status": str(stage.pk), "label": stage.name, "count": column.count,
            "list_url": f"{list_url}?stage={stage.pk}{owner_query}",
            "summary": f"{format_number(column.total, 2)} · weighted {format_number(column.weighted_total, 2)} "
                       f"{currency}",
            "header_class": "bg-success-subtle" if stage.is_won else "bg-secondary-subtle" if stage.is_lost else "",
            "done": stage.is_closed,  # its cards are the latest closed
            "prompt": "Why was it lost?" if stage.is_lost else "", "prompt_field": "lost_reason",
            "cards": [{
                "object": o, "url": o.get_absolute_url(),
                "move_url": reverse("crm:opportunity_drop", args=[o.pk]) if can_move else "",
                "fields": [("Customer", o.customer.name, None),
                           ("Amount", f"{format_number(o.amount, o.currency.decimals)} {o.currency.code}", None),
                           ("Probability", format_percent(o.probability, decimals=0), None),
                           ("Closed", o.closed_on, None) if stage.is_closed else
                           ("Expected close", o.expected_close, None), ("Owner", _person(o.owner), None)],
            } for o in column.cards],
        })
    return {"columns": board_columns, "can_move": can_move, "move_field": "stage",
            "refresh_url": request.get_full_path()}


def _board_moves(columns: list[selectors.BoardColumn]) -> dict[str, dict[str, dict]]:
    """What the board asks before a drop: winning closes the opportunity for good (losing asks for the reason)."""
    open_stages = [str(c.stage.pk) for c in columns if not c.stage.is_closed]
    moves: dict[str, dict[str, dict]] = {}
    for column in columns:
        if column.stage.is_won:
            step = {"verb": "win", "label": "Won", "confirm": "Mark this opportunity won? It closes and no longer "
                                                              "moves."}
        elif column.stage.is_lost:
            step = {"verb": "lose", "label": "Mark lost", "confirm": ""}
        else:
            continue
        for source in open_stages:
            moves.setdefault(source, {})[str(column.stage.pk)] = step
    return moves


@role_required("crm.view_opportunity")
def board(request):
    """The pipeline board: a column per stage with its count, total and weighted total (company currency) and its
    first cards; dragging a card to another stage moves it with the API's service (`opportunity_drop`). An htmx
    request gets the board alone (what the page re-renders after a drop)."""
    company = get_object_or_404(Company.objects.select_related("currency"), pk=request.company_id)
    pipeline_stages_ensure(company=company)
    owner = _owner(request)
    columns = selectors.pipeline_board(company=company, owner=owner)
    kanban = _board(request, columns, company, owner)
    if request.htmx:
        return render(request, "core/partials/kanban_board.html", {"board": kanban})
    return render(request, "crm/board.html", {"title": "Pipeline", "columns": columns, "board": kanban,
                                              "moves": _board_moves(columns), "company": company,
                                              "owner": request.GET.get("owner", "all"),
                                              "owners": _owner_choices(request)})


def _refused(message: str, status: int, stage: str = "") -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "status": stage}, status=status)


@login_required
@require_POST
def opportunity_drop(request, pk: int):
    """A card dropped on another column of the board: `opportunity_move`, the service of the API's `move`.

    Answers JSON `{"ok", "message", "status"}` (status: the stage the opportunity is in) like the shared kanban's
    drop: 200 moved, 400 no such stage or input missing (a lost reason), 403 the role may not change
    opportunities, 404 not an opportunity of the active company, 409 the service refused (a closed opportunity).
    Nothing changes unless it answers 200.
    """
    if not can(request, "crm.change_opportunity"):
        return _refused("Your role in this company may not move opportunities.", 403)
    opportunity = scope_to_active_company(Opportunity.objects.all(), request).filter(pk=pk).first()
    if opportunity is None:
        return _refused("There is no such opportunity in this company.", 404)
    current = str(opportunity.stage_id)
    raw = request.POST.get("stage", "")
    stage = (PipelineStage.objects.filter(company_id=opportunity.company_id, pk=int(raw)).first()
             if raw.isdigit() else None)
    if stage is None:
        return _refused("There is no such stage in this pipeline.", 400, current)
    if stage.pk == opportunity.stage_id:
        return JsonResponse({"ok": True, "message": "", "status": current})
    try:
        moved = opportunity_move(opportunity=opportunity, stage=stage, actor=request.user,
                                 lost_reason=request.POST.get("lost_reason", "")[:200])
    except DomainError as error:
        return _refused(" ".join(message for _f, _c, message in error.errors), error.status_code, current)
    outcome = {"won": "won", "lost": "lost"}.get(moved.status, f"moved to {moved.stage.name}")
    return JsonResponse({"ok": True, "message": f"{moved.number} {outcome}.", "status": str(moved.stage_id)})


@role_required("crm.view_opportunity")
def forecast(request):
    """Weighted pipeline and won against target by month and by owner: charts (Chart.js, the home page's
    renderer) over the same figures as the tables below them."""
    company = get_object_or_404(Company.objects.select_related("currency"), pk=request.company_id)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    data = selectors.sales_forecast(company=company, year=year, owner=_owner(request))
    return render(request, "crm/forecast.html", {"title": f"Forecast {year}", "data": data, "year": year,
                                                 "charts": _forecast_charts(data),
                                                 "owner": request.GET.get("owner", "all"),
                                                 "owners": _owner_choices(request)})


def _amounts(rows: list[dict], key: str) -> list[float]:
    # Chart.js plots numbers; the exact amounts are in the tables
    return [float(row[key]) for row in rows]


def _forecast_charts(data: dict) -> list[dict]:
    """The specs of the forecast's charts for `canvas[data-chart]` (static/js/suite.js, as on the home page)."""
    months, owners, unit = data["months"], data["owners"], data["currency"]
    return [
        {"dom_id": "chart-forecast-months", "testid": "chart-months",
         "label": "Weighted pipeline and won against target by month",
         "data": {"type": "bar", "unit": unit, "labels": [m["month"].strftime("%Y-%m") for m in months],
                  "datasets": [{"label": "Weighted pipeline", "data": _amounts(months, "weighted")},
                               {"label": "Won", "data": _amounts(months, "won")},
                               {"label": "Target", "type": "line", "data": _amounts(months, "target")}]}},
        {"dom_id": "chart-forecast-owners", "testid": "chart-owners",
         "label": "Weighted pipeline and won against target by owner",
         "data": {"type": "bar", "unit": unit, "labels": [o["owner_name"] for o in owners],
                  "datasets": [{"label": "Weighted pipeline", "data": _amounts(owners, "weighted")},
                               {"label": "Won", "data": _amounts(owners, "won")},
                               {"label": "Target", "data": _amounts(owners, "target")}]}},
    ]


@role_required("crm.view_activity")
def my_activities(request):
    """My open activities by due time, overdue ones highlighted (`?done=1` shows the done ones too)."""
    rows = selectors.my_activities(user=request.user, company_id=request.company_id,
                                   include_done=request.GET.get("done") == "1")
    return render(request, "crm/my_activities.html", {"title": "My activities", "activities": rows,
                                                      "now": timezone.now(), "show_done": request.GET.get("done")})


@role_required("crm.view_quote")
def quote_pdf_view(request, pk: int):
    quote = get_object_or_404(scope_to_active_company(Quote.objects.all(), request), pk=pk)
    return pdf_response(quote_pdf(quote), f"{quote.number}-v{quote.version}.pdf")


@role_required("crm.change_lead")
@require_POST
def lead_merge_view(request, pk: int):
    """Merge the chosen duplicate into this lead."""
    lead = get_object_or_404(scope_to_active_company(Lead.objects.all(), request), pk=pk)
    form = MergeForm(request.POST)
    scope_form(form, request)
    if not form.is_valid():
        messages.error(request, "Choose the duplicate to merge.")
    else:
        try:
            lead_merge(lead=lead, duplicate=form.cleaned_data["duplicate"], actor=request.user)
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, f"{form.cleaned_data['duplicate']} merged into this lead.")
    return HttpResponseRedirect(lead.get_absolute_url())


@role_required("crm.change_opportunity")
@require_POST
def opportunity_move_view(request, pk: int):
    """Move an opportunity to another stage from its page's form (the board's drop is `opportunity_drop`)."""
    opportunity = get_object_or_404(scope_to_active_company(Opportunity.objects.all(), request), pk=pk)
    form = MoveForm(request.POST)
    scope_form(form, request)
    if not form.is_valid():
        messages.error(request, "Choose a stage.")
    else:
        try:
            opportunity_move(opportunity=opportunity, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, f"Moved to {form.cleaned_data['stage']}.")
    return HttpResponseRedirect(request.POST.get("next") if request.POST.get("next") == reverse("crm:board")
                                else opportunity.get_absolute_url())


def _feedback(request, record, service, arg: str):
    form = FeedbackForm(request.POST or None, initial={"items": [record.item_id] if getattr(record, "item_id", None)
                                                        else []})
    scope_form(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            service(**{arg: record}, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            for field, _code, message in error.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Feedback sent to engineering: PLM opens a change request.")
            return HttpResponseRedirect(record.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/feedback.html", {"title": f"Feedback to engineering: {record}", "record": record,
                                                 "form": form}, status=status)


@role_required("crm.change_servicecase")
def case_feedback(request, pk: int):
    case = get_object_or_404(scope_to_active_company(ServiceCase.objects.all(), request), pk=pk)
    return _feedback(request, case, case_submit_feedback, "case")


@role_required("crm.change_opportunity")
def opportunity_feedback(request, pk: int):
    opportunity = get_object_or_404(scope_to_active_company(Opportunity.objects.all(), request), pk=pk)
    return _feedback(request, opportunity, opportunity_submit_feedback, "opportunity")


# ---- imports -------------------------------------------------------------------------------------------------
IMPORTS = {
    "leads": {"service": imports.leads_import, "columns": imports.LEAD_COLUMNS, "title": "Import leads",
              "done": "crm:lead_list", "url": "crm:lead_import"},
    "customers": {"service": imports.customers_import, "columns": imports.CUSTOMER_COLUMNS,
                  "title": "Import customers", "done": "crm:customerprofile_list", "url": "crm:customer_import"},
}


def _import(request, kind: str):
    """Upload → preview (dry run, per-row errors) → confirm; nothing is written before the confirmation."""
    spec, session_key = IMPORTS[kind], f"crm_import_{kind}"
    company = get_object_or_404(Company, pk=request.company_id)
    context = {"title": spec["title"], "form": ImportForm(), "columns": spec["columns"], "kind": kind}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        stored = request.session.get(session_key)
        if not stored or stored.get("company") != company.pk:
            messages.error(request, "The preview expired; upload the file again.")
            return HttpResponseRedirect(reverse(spec["url"]))
        try:
            dataset = imports.read_dataset(content=base64.b64decode(stored["content"]), filename=stored["name"])
            result = spec["service"](company=company, dataset=dataset, actor=request.user, dry_run=False)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse(spec["url"]))
        if result.has_errors:
            messages.error(request, "Nothing was imported: some rows are invalid.")
            return render(request, "crm/import.html", {**context, "result": result, "filename": stored["name"]},
                          status=400)
        del request.session[session_key]
        totals = result.totals()
        messages.success(request, f"Imported: {totals['create']} created, {totals['update']} updated, "
                                  f"{totals['unchanged']} skipped.")
        return HttpResponseRedirect(reverse(spec["done"]))
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "crm/import.html", context, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", "Files are limited to 5 MB.")
            return render(request, "crm/import.html", context, status=400)
        content = upload.read()
        try:
            result = spec["service"](company=company, dataset=imports.read_dataset(content=content,
                                                                                    filename=upload.name),
                                     actor=request.user, dry_run=True)
        except DomainError as error:
            form.add_error("file", error.message)
            return render(request, "crm/import.html", context, status=400)
        request.session[session_key] = {"company": company.pk, "name": upload.name,
                                        "content": base64.b64encode(content).decode()}
        context.update(result=result, filename=upload.name)
    return render(request, "crm/import.html", context)


@role_required("crm.add_lead")
def lead_import(request):
    return _import(request, "leads")


@role_required("crm.add_customerprofile")
def customer_import(request):
    return _import(request, "customers")
