"""Serializers of core's own resources."""

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import SuiteChildSerializer, SuiteModelSerializer, SuiteSerializer, download_url
from apps.core.models import (
    Attachment,
    AuditRecord,
    Company,
    ContactPerson,
    Currency,
    DeliveryAttempt,
    Event,
    EventDelivery,
    ExchangeRate,
    Membership,
    Note,
    Party,
    PartyAddress,
    UnitOfMeasure,
    UomCategory,
)


class TokenSerializer(SuiteSerializer):
    """The answer of `auth/token/`."""

    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


class CompanySerializer(SuiteModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "code", "name", "currency", "created_at", "updated_at"]


class PartyAddressSerializer(SuiteChildSerializer):
    class Meta:
        model = PartyAddress
        fields = ["kind", "street", "city", "postal_code", "country"]


class ContactPersonSerializer(SuiteChildSerializer):
    class Meta:
        model = ContactPerson
        fields = ["name", "role", "email", "phone"]


class PartySerializer(SuiteModelSerializer):
    addresses = PartyAddressSerializer(many=True, required=False)
    contacts = ContactPersonSerializer(many=True, required=False)

    class Meta:
        model = Party
        fields = ["id", "company", "number", "name", "kind", "is_customer", "is_supplier", "email", "phone",
                  "tax_id", "currency", "payment_terms_days", "notes", "addresses", "contacts",
                  "created_at", "updated_at"]
        read_only_fields = ["number"]


class CurrencySerializer(SuiteModelSerializer):
    class Meta:
        model = Currency
        fields = ["id", "code", "name", "decimals", "created_at", "updated_at"]


class ExchangeRateSerializer(SuiteModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "company", "base", "quote", "date", "rate", "created_at", "updated_at"]


class UomCategorySerializer(SuiteModelSerializer):
    class Meta:
        model = UomCategory
        fields = ["id", "name", "created_at", "updated_at"]


class UnitOfMeasureSerializer(SuiteModelSerializer):
    class Meta:
        model = UnitOfMeasure
        fields = ["id", "code", "name", "category", "factor", "created_at", "updated_at"]


class DeliveryAttemptSerializer(SuiteChildSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "error", "duration_ms"]


class EventDeliverySerializer(SuiteChildSerializer):
    attempts_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = EventDelivery
        fields = ["id", "handler", "status", "attempts", "last_error", "next_attempt_at", "delivered_at",
                  "attempts_log"]


class EventSerializer(SuiteModelSerializer):
    deliveries = EventDeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ["id", "company", "name", "subject_type", "subject_id", "payload", "deliveries", "created_at",
                  "updated_at"]


class MembershipSerializer(SuiteModelSerializer):
    """A user's role in a company. Create with an existing user's `username`, or a new one's with a `password`;
    afterwards only the role changes."""

    username = serializers.CharField(source="user.username", max_length=150,
                                     help_text="An existing user's name, or the new account's.")
    role = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all(), help_text="The role's id (`core/roles/`).")
    role_name = serializers.CharField(source="role.name", read_only=True)
    password = serializers.CharField(write_only=True, required=False, min_length=8, max_length=128,
                                     style={"input_type": "password"},
                                     help_text="Only to create a new account (at least 8 characters).")
    email = serializers.EmailField(write_only=True, required=False, allow_blank=True,
                                   max_length=User._meta.get_field("email").max_length)

    class Meta:
        model = Membership
        fields = ["id", "company", "user", "username", "role", "role_name", "password", "email", "created_at",
                  "updated_at"]
        read_only_fields = ["user"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | models.QuerySet):
            fields["username"].read_only = True  # a membership never changes its user
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "user" in attrs:  # the write side of `username` (source user.username)
            attrs["username"] = attrs.pop("user")["username"]
        if self.instance is not None and "role" not in attrs:  # a PATCH without a role keeps it
            attrs["role"] = self.instance.role
        return attrs


class RoleSerializer(SuiteChildSerializer):
    """A role (what a membership grants in its company) and the permissions it holds."""

    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "name", "permissions"]

    def get_permissions(self, obj) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in obj.permissions.all())


class TargetField(serializers.CharField):
    """`app_label.model` of the record a note or attachment belongs to."""


class ChatterSerializerMixin(serializers.Serializer):
    target_type = serializers.CharField(write_only=True, help_text="app_label.model, e.g. core.party")
    target_id = serializers.CharField(write_only=True)

    def validate(self, attrs):
        """The target: a company record the user's role may read (anything else is "no such record")."""
        from django.core.exceptions import ValidationError as DjangoValidationError

        from apps.core.permissions import companies_with_perm, model_perm
        from apps.core.scoping import scope_queryset

        try:
            app_label, model = attrs.pop("target_type").split(".", 1)
            content_type = ContentType.objects.get(app_label=app_label, model=model)
        except (ValueError, ContentType.DoesNotExist) as exc:
            raise serializers.ValidationError({"target_type": ["Unknown record type."]}) from exc
        model_class = content_type.model_class()
        if model_class is None or not getattr(model_class, "company_path", None) or model_class in (Note, Attachment):
            raise serializers.ValidationError({"target_type": ["Notes and attachments go on a company's records."]})
        user = self.context["request"].user
        queryset = scope_queryset(model_class._default_manager.all(), user,
                                  companies_with_perm(user, model_perm(model_class, "view")))
        try:
            target = queryset.filter(pk=attrs.pop("target_id")).first()
        except (ValueError, TypeError, DjangoValidationError):
            target = None
        if target is None:
            raise serializers.ValidationError({"target_id": ["No such record."]})
        attrs["target"] = target
        return attrs


class NoteSerializer(ChatterSerializerMixin, SuiteModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    content_type = serializers.CharField(source="content_type.natural_key", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "target_type", "target_id", "content_type", "object_id", "body", "author", "created_at",
                  "updated_at"]
        read_only_fields = ["object_id"]


class AttachmentSerializer(ChatterSerializerMixin, SuiteModelSerializer):
    """A file on a record; upload `file` (multipart), download through `download_url` (the stored path is
    private)."""

    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "target_type", "target_id", "object_id", "file", "name", "size", "sha256", "uploaded_by",
                  "download_url", "created_at", "updated_at"]
        read_only_fields = ["object_id", "size", "sha256"]
        extra_kwargs = {"name": {"required": False}, "file": {"write_only": True}}

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, obj) -> str:
        return download_url(self.context.get("request"), f"/api/v1/core/attachments/{obj.pk}/download/")


class AuditRecordSerializer(SuiteChildSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditRecord
        fields = ["id", "actor", "content_type", "object_id", "object_repr", "action", "before", "after",
                  "created_at"]

    def get_content_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"
