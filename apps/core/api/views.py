"""Core's API: companies, parties, reference data, the outbox monitor, notes, attachments, audit."""

from django.contrib.auth.models import Group
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny

from apps.core.api import core_filters as filters
from apps.core.api import core_serializers as s
from apps.core.api.parsers import SuiteJSONParser
from apps.core.api.renderers import DownloadRenderer
from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.core.errors import PermissionDeniedError
from apps.core.files import download_response
from apps.core.models import (
    Attachment,
    AuditRecord,
    Company,
    Currency,
    Event,
    ExchangeRate,
    Membership,
    Note,
    Party,
    UnitOfMeasure,
    UomCategory,
)
from apps.core.permissions import has_company_perm, model_perm
from apps.core.services.chatter import attachment_add, note_add
from apps.core.services.companies import membership_add, membership_remove, membership_update
from apps.core.services.events import event_replay
from apps.core.services.parties import party_create, party_update


@extend_schema(auth=[], request=AuthTokenSerializer, responses=s.TokenSerializer,
               summary="Exchange a username and password for an API token")
class AuthTokenView(ObtainAuthToken):
    """`POST auth/token/` with `{"username", "password"}`: the user's token. Anonymous by nature (no token is
    needed to get one); JSON like every other body."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [SuiteJSONParser]


class CompanyViewSet(SuiteReadOnlyViewSet):
    """The companies you belong to."""

    queryset = Company.objects.select_related("currency")
    serializer_class = s.CompanySerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class PartyViewSet(SuiteModelViewSet):
    """Customers and suppliers."""

    queryset = Party.objects.prefetch_related("addresses", "contacts")
    serializer_class = s.PartySerializer
    filterset_class = filters.PartyFilterSet
    search_fields = ["number", "name", "email", "tax_id"]
    ordering_fields = ["number", "name", "created_at", "updated_at"]
    services = {"create": party_create, "update": party_update}


class CurrencyViewSet(SuiteModelViewSet):
    queryset = Currency.objects.all()
    serializer_class = s.CurrencySerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code"]
    ordering = ["code"]


class ExchangeRateViewSet(SuiteModelViewSet):
    queryset = ExchangeRate.objects.select_related("base", "quote")
    serializer_class = s.ExchangeRateSerializer
    filterset_fields = ["base", "quote", "date"]
    ordering_fields = ["date"]


class UomCategoryViewSet(SuiteModelViewSet):
    queryset = UomCategory.objects.all()
    serializer_class = s.UomCategorySerializer
    search_fields = ["name"]
    ordering = ["name"]


class UnitOfMeasureViewSet(SuiteModelViewSet):
    queryset = UnitOfMeasure.objects.select_related("category")
    serializer_class = s.UnitOfMeasureSerializer
    filterset_fields = ["category"]
    search_fields = ["code", "name"]
    ordering = ["code"]


class EventViewSet(SuiteReadOnlyViewSet):
    """The flow monitor: events and their deliveries per handler; `replay` re-sends dead ones."""

    queryset = Event.objects.prefetch_related("deliveries__attempts_log")
    serializer_class = s.EventSerializer
    filterset_class = filters.EventFilterSet
    search_fields = ["name", "subject_id"]
    ordering_fields = ["created_at", "name"]

    replay = workflow_action("replay", event_replay, summary="Replay the event's dead deliveries")


def membership_remove_instance(*, instance: Membership, actor) -> None:
    membership_remove(membership=instance, actor=actor)


class MembershipViewSet(SuiteModelViewSet):
    """Users and their role per company; only the company's Admin role adds, changes or removes them."""

    queryset = Membership.objects.select_related("user", "role")
    serializer_class = s.MembershipSerializer
    filterset_fields = ["company", "role"]
    search_fields = ["user__username", "user__email"]
    services = {"create": membership_add, "update": membership_update, "delete": membership_remove_instance}


class RoleViewSet(SuiteReadOnlyViewSet):
    """The roles a membership can grant (platform reference data)."""

    queryset = Group.objects.prefetch_related("permissions__content_type").order_by("name")
    serializer_class = s.RoleSerializer
    search_fields = ["name"]
    ordering = ["name"]
    pagination_class = None


class ChatterViewSet(mixins.CreateModelMixin, SuiteReadOnlyViewSet):
    """Base of notes and attachments: filter by `content_type` (app_label.model) and `object_id`; adding one needs
    the role's add permission in the company of the record it goes on."""

    def check_target(self, target) -> None:
        if not has_company_perm(self.request.user, model_perm(self.get_queryset().model, "add"), target):
            raise PermissionDeniedError("target_id", "Your role in the record's company may not add this.")

    def get_queryset(self):
        queryset = super().get_queryset()
        if value := self.request.query_params.get("content_type"):
            app_label, _, model = value.partition(".")
            queryset = queryset.filter(content_type__app_label=app_label, content_type__model=model)
        return queryset


class NoteViewSet(ChatterViewSet):
    queryset = Note.objects.select_related("author", "content_type")
    serializer_class = s.NoteSerializer
    filterset_fields = ["object_id"]

    def perform_create(self, serializer):
        self.check_target(serializer.validated_data["target"])
        serializer.instance = note_add(actor=self.request.user, **serializer.validated_data)


class AttachmentViewSet(ChatterViewSet):
    """Files on records: multipart upload, download through `{id}/download/` (company-checked, an attachment)."""

    queryset = Attachment.objects.select_related("uploaded_by")
    serializer_class = s.AttachmentSerializer
    filterset_fields = ["object_id", "sha256"]
    parser_classes = [MultiPartParser]  # the only body of this resource is an upload

    def perform_create(self, serializer):
        self.check_target(serializer.validated_data["target"])
        serializer.instance = attachment_add(actor=self.request.user, **serializer.validated_data)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY}, summary="Download the file (in its own type)")
    @action(detail=True, methods=["get"], renderer_classes=[DownloadRenderer], filter_backends=[])
    def download(self, request, pk=None):
        attachment = self.get_object()
        return download_response(attachment.file, attachment.name)


class AuditRecordViewSet(SuiteReadOnlyViewSet):
    """The history of records you can see: who changed what, when, before and after."""

    queryset = AuditRecord.objects.select_related("actor", "content_type")
    serializer_class = s.AuditRecordSerializer
    filterset_class = filters.AuditRecordFilterSet
