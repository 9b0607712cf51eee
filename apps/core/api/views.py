"""Core's API: companies, parties, reference data, the outbox monitor, notes, attachments, audit."""

from rest_framework import mixins

from apps.core.api import core_filters as filters
from apps.core.api import core_serializers as s
from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
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
from apps.core.services.chatter import attachment_add, note_add
from apps.core.services.events import event_replay
from apps.core.services.parties import party_create, party_update


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


class MembershipViewSet(SuiteReadOnlyViewSet):
    queryset = Membership.objects.select_related("user", "role")
    serializer_class = s.MembershipSerializer
    filterset_fields = ["company", "role"]


class ChatterViewSet(mixins.CreateModelMixin, SuiteReadOnlyViewSet):
    """Base of notes and attachments: filter by `content_type` (app_label.model) and `object_id`."""

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
        serializer.instance = note_add(actor=self.request.user, **serializer.validated_data)


class AttachmentViewSet(ChatterViewSet):
    queryset = Attachment.objects.select_related("uploaded_by")
    serializer_class = s.AttachmentSerializer
    filterset_fields = ["object_id", "sha256"]

    def perform_create(self, serializer):
        serializer.instance = attachment_add(actor=self.request.user, **serializer.validated_data)


class AuditRecordViewSet(SuiteReadOnlyViewSet):
    """The history of records you can see: who changed what, when, before and after."""

    queryset = AuditRecord.objects.select_related("actor", "content_type")
    serializer_class = s.AuditRecordSerializer
    filterset_class = filters.AuditRecordFilterSet
