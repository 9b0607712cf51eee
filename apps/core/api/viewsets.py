"""`SuiteModelViewSet`: a domain API is a few declarative lines on top of this.

    class PartyViewSet(SuiteModelViewSet):
        queryset = Party.objects.all()
        serializer_class = PartySerializer
        filterset_class = PartyFilterSet
        services = {"create": party_create, "update": party_update}

Reads are scoped to the user's companies (another company's id answers 404), writes call
services (a generic audited create/update/delete when none is declared), POSTs honour
`Idempotency-Key`, and `workflow_action` turns a service into `POST {id}/<verb>/`.
"""

import inspect
from collections.abc import Callable
from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.idempotency import IdempotencyMixin
from apps.core.api.permissions import view_model
from apps.core.errors import PermissionDeniedError
from apps.core.permissions import companies_with_perm, company_of_data, has_company_perm, model_perm
from apps.core.scoping import scope_queryset
from apps.core.services.records import record_create, record_delete, record_update


class ScopedQuerysetMixin:
    """Restricts every queryset of the view to the companies whose role lets the user read the model."""

    def get_queryset(self):
        queryset = super().get_queryset()
        model = view_model(self) or queryset.model
        readable = companies_with_perm(self.request.user, model_perm(model, "view"))
        return scope_queryset(queryset, self.request.user, readable)


class SuiteReadOnlyViewSet(ScopedQuerysetMixin, IdempotencyMixin, viewsets.ReadOnlyModelViewSet):
    """Company-scoped list and detail."""

    ordering = ["-id"]


class SuiteModelViewSet(ScopedQuerysetMixin, IdempotencyMixin, viewsets.ModelViewSet):
    """Company-scoped CRUD whose writes go through services."""

    ordering = ["-id"]
    services: dict[str, Callable] = {}

    def initialize_request(self, request, *args, **kwargs):
        # a workflow verb named like an HTTP method (`post`) is an attribute `post`: without this, a POST to
        # the detail route (which maps no POST) would run that action instead of answering 405
        method = request.method.lower()
        if hasattr(getattr(self, method, None), "mapping") and method not in (getattr(self, "action_map", None)
                                                                               or {}):
            setattr(self, method, self.http_method_not_allowed)
        return super().initialize_request(request, *args, **kwargs)

    def _service(self, verb: str) -> Callable:
        service = self.services.get(verb)
        if service is not None:
            return service
        generic = {"create": record_create, "update": record_update, "delete": record_delete}[verb]
        return partial(generic, model=self.get_queryset().model) if verb == "create" else generic

    def perform_create(self, serializer):
        model = self.get_queryset().model
        company = company_of_data(model, serializer.validated_data)
        if company is not None and not has_company_perm(self.request.user, model_perm(model, "add"), company):
            raise PermissionDeniedError("company", "Your role in this company may not create this record.")
        serializer.instance = self._service("create")(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._service("update")(
            instance=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._service("delete")(instance=instance, actor=self.request.user)


def workflow_action(verb: str, service: Callable, *, input_serializer=None, summary: str | None = None):
    """A `POST {id}/<verb>/` action that calls `service(<object>=..., actor=..., **input)`.

    The object's keyword is the service's first parameter; the transition's permission (if the
    model's workflow declares one, else `change_<model>`) is checked in the object's company by
    `SuiteModelPermissions`; the response is the updated detail.
    """
    object_arg = next(iter(inspect.signature(service).parameters))

    def run(self, request, pk=None):
        obj = self.get_object()  # the step's permission in the object's company: SuiteModelPermissions
        data = {}
        if input_serializer is not None:
            incoming = input_serializer(data=request.data, context=self.get_serializer_context())
            incoming.is_valid(raise_exception=True)
            data = dict(incoming.validated_data)
        result = service(**{object_arg: obj}, actor=request.user, **data)
        return Response(self.get_serializer(result if result is not None else obj).data)

    # named before decorating: the router maps POST to the viewset attribute named like the function
    run.__name__ = run.__qualname__ = verb
    run.input_serializer = input_serializer
    run = action(detail=True, methods=["post"], url_path=verb.replace("_", "-"))(run)
    # the Idempotency-Key header of every POST is documented by apps.core.schema.SuiteAutoSchema
    return extend_schema(request=input_serializer, summary=summary or f"{verb.replace('_', ' ').capitalize()}")(run)
