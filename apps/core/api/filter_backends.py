"""The django-filter backend of every list endpoint, with its record choices scoped to the user's companies."""

from django_filters.rest_framework import DjangoFilterBackend

from apps.core.scoping import scope_filterset


class ScopedFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose FilterSets (filtering and the browsable API's filter form) offer and accept only
    records of the requesting user's companies."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        return scope_filterset(filterset, request.user) if filterset is not None else None
