"""The django-filter backend of every list endpoint, with its record choices scoped to the user's companies."""

from django_filters.rest_framework import DjangoFilterBackend

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.scoping import scope_filterset


class ScopedFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose FilterSets (filtering and the browsable API's filter form) offer and accept only
    records of the requesting user's companies; FilterSets generated from a view's `filterset_fields` are
    `SuiteFilterSet`s, so their values get the suite's input limits like declared ones."""

    filterset_base = SuiteFilterSet

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        return scope_filterset(filterset, request.user) if filterset is not None else None
