"""core's own browser views: dashboard, company switcher, chatter (notes, attachments), downloads."""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.choices import DeliveryStatus
from apps.core.errors import DomainError
from apps.core.files import download_response
from apps.core.middleware import SESSION_KEY
from apps.core.models import Attachment, Event, EventDelivery
from apps.core.permissions import companies_with_perm, has_company_perm
from apps.core.scoping import scope_queryset, scope_to_active_company, user_company_ids
from apps.core.services.chatter import attachment_add, note_add
from apps.core.templatetags.suite import chatter_context


@login_required
def home(request):
    """The dashboard: flows at a glance and each module's record counts."""
    events = scope_to_active_company(Event.objects.all(), request)
    deliveries = EventDelivery.objects.filter(event__in=events)
    delivery_counts = deliveries.aggregate(
        pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
        dead=Count("id", filter=Q(status=DeliveryStatus.DEAD)),
        done=Count("id", filter=Q(status=DeliveryStatus.DONE)),
    )
    return render(request, "core/home.html", {
        "title": "Dashboard",
        "recent_events": events.order_by("-created_at")[:10],
        "delivery_counts": delivery_counts,
    })


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
