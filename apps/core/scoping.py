"""Company scoping, written once: the companies a user belongs to and the rows they may see."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.core.models import Membership


def user_company_ids(user) -> list[int]:
    """Ids of the companies the user is a member of (cached on the user object per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_company_ids", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("company_id", flat=True))
        user._company_ids = cached
    return cached


def scope_queryset(queryset: QuerySet, user, company_ids: list[int] | None = None) -> QuerySet:
    """Restrict `queryset` to rows of the user's companies (or the given subset of them).

    Models without a `company_path` are reference data shared by all companies; user accounts are the
    members of those companies (a choice of users never lists another company's people).
    """
    model = queryset.model
    path = getattr(model, "company_path", None)
    if not path and model is not get_user_model():
        return queryset
    allowed = user_company_ids(user)
    if company_ids is not None:
        allowed = [c for c in allowed if c in company_ids]
    if not path:
        return queryset.filter(pk__in=Membership.objects.filter(company_id__in=allowed).values("user_id"))
    return queryset.filter(**{f"{path}__in": allowed})


def scope_to_active_company(queryset: QuerySet, request) -> QuerySet:
    """The browser's view of a queryset: rows of the session's active company only (others answer 404)."""
    return scope_queryset(queryset, request.user, [request.company_id])


def scope_filterset(filterset, user, company_ids: list[int] | None = None):
    """Limit every record choice of a django-filter FilterSet (its form's `<option>`s and the ids it accepts) to
    the user's companies (or the given subset): used for every list filter, API and UI."""
    for flt in filterset.filters.values():
        queryset = getattr(flt, "queryset", None)
        if queryset is None:
            continue
        if callable(queryset):
            flt.queryset = lambda request, source=queryset: scope_queryset(source(request), user, company_ids)
        else:
            flt.queryset = scope_queryset(queryset, user, company_ids)
    return filterset
