"""core's own browser views: the home page, global search, company switcher, chatter (notes, attachments),
downloads, and the error pages."""

import logging

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.api.errors import problem_response
from apps.core.errors import DomainError
from apps.core.files import download_response
from apps.core.home import home_sections
from apps.core.middleware import SESSION_KEY
from apps.core.models import Attachment
from apps.core.permissions import companies_with_perm, has_company_perm
from apps.core.scoping import scope_queryset, scope_to_active_company, user_company_ids
from apps.core.search import MAX_QUERY, search
from apps.core.services.chatter import attachment_add, note_add
from apps.core.templatetags.suite import chatter_context
from apps.core.ui.errors import denial_context

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """The home page of the user's role in the active company: their work queues, KPIs and charts per module."""
    sections = home_sections(request)
    return render(request, "core/home.html", {
        "title": "Home", "sections": sections, "open_work": sum(s["open_work"] for s in sections),
        "has_charts": any(s["charts"] for s in sections),
    })


@login_required
def global_search(request):
    """`/search/?q=`: records of the active company whose numbers or names match, from the models the role may
    view; HTML (the search dialog's results with htmx, a page without) or JSON (`?format=json`)."""
    result = search(request.user, request.company_id, request.GET.get("q", ""))
    if request.GET.get("format") == "json":
        return JsonResponse(result)
    template = "core/partials/search_results.html" if request.htmx else "core/search.html"
    return render(request, template, {"title": "Search", "result": result, "max_query": MAX_QUERY})


@login_required
@require_POST
def switch_company(request):
    """The company switcher: choose which company's records the screens show."""
    company_id = int(request.POST.get("company", 0) or 0)
    if company_id not in user_company_ids(request.user):
        raise PermissionDenied
    request.session[SESSION_KEY] = company_id
    return _back(request)


def _back(request):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def _target(request, content_type_id: int, object_id: str):
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None or not has_company_perm(request.user, f"{content_type.app_label}.view_{content_type.model}",
                                             request.company_id):
        raise PermissionDenied
    queryset = scope_to_active_company(model._default_manager.all(), request)
    return get_object_or_404(queryset, pk=object_id)


def _panel_or_back(request, target, error: str | None = None):
    if request.htmx:
        context = chatter_context({"request": request}, target)
        context["error"] = error
        return render(request, "core/partials/chatter.html", context)
    return _back(request)


@login_required
@require_POST
def chatter_note(request, content_type_id: int, object_id: str):
    """Add a note to any record the user can see."""
    target = _target(request, content_type_id, object_id)
    if not has_company_perm(request.user, "core.add_note", target):
        raise PermissionDenied
    try:
        note_add(target=target, body=request.POST.get("body", ""), actor=request.user)
    except DomainError as exc:
        return _panel_or_back(request, target, error=str(exc))
    return _panel_or_back(request, target)


@login_required
@require_POST
def chatter_attachment(request, content_type_id: int, object_id: str):
    """Attach a file to any record the user can see."""
    target = _target(request, content_type_id, object_id)
    if not has_company_perm(request.user, "core.add_attachment", target):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        return _panel_or_back(request, target, error="file: Choose a file to attach.")
    try:
        attachment_add(target=target, file=upload, actor=request.user)
    except DomainError as exc:
        return _panel_or_back(request, target, error=str(exc))
    return _panel_or_back(request, target)


@login_required
def attachment_download(request, pk: int):
    """Download an attachment of a record in a company whose role lets the user read attachments (else 404)."""
    readable = companies_with_perm(request.user, "core.view_attachment")
    attachment = get_object_or_404(scope_queryset(Attachment.objects.all(), request.user, readable), pk=pk)
    return download_response(attachment.file, attachment.name)


# ---- error pages (suite/urls.py: handler403/404/500); API paths keep problem+json ---------------------------

def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_403(request, exception=None):
    """Forbidden: which permission the step needs, the user's role in the active company, and who has it."""
    if _is_api(request):
        return problem_response(403, "permission_denied", str(exception or "") or "Permission denied.")
    return render(request, "403.html", {"title": "Not allowed", **denial_context(request, exception)}, status=403)


def error_404(request, exception=None):
    """Not found, in the suite's layout (another company's record answers this too, never its data)."""
    if _is_api(request):
        return problem_response(404, "not_found", "No such resource.")
    return render(request, "404.html", {"title": "Not found"}, status=404)


def error_500(request):
    """Server error in the suite's layout; a bare page if even the layout fails (the database may be down)."""
    if _is_api(request):
        return problem_response(500, "server_error", "An unexpected error occurred.")
    try:
        return render(request, "500.html", {"title": "Server error"}, status=500)
    except Exception:  # the layout needs the database; the error page must not fail as well
        logger.exception("the 500 page could not be rendered in the layout")
        return HttpResponseServerError("<!doctype html><html lang=en><title>Server error · Millwright</title>"
                                       "<h1>Server error</h1><p>Something went wrong on our side. Try again in a "
                                       "moment.</p><p><a href=\"/\">Home</a></p></html>")
