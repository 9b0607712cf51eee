"""Base serializers: company-scoped relations, the write-time company, workflow state, input limits.

Every API serializer subclasses one of `SuiteModelSerializer` (a resource), `SuiteChildSerializer` (a row nested
in a resource) or `SuiteSerializer` (an action's input, a read model), so every field gets the input limits of
`apps.core.api.fields.HardenedFieldsMixin`.
"""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueTogetherValidator

from apps.core.api.fields import HardenedFieldsMixin
from apps.core.audit import company_of
from apps.core.errors import DomainError
from apps.core.limits import MAX_ID
from apps.core.models import Company
from apps.core.permissions import default_company, model_perm
from apps.core.scoping import scope_queryset
from apps.core.workflow import allowed_transitions


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts rows of the requesting user's companies."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or queryset is None:
            return queryset
        return scope_queryset(queryset, request.user)


class SuiteSerializer(HardenedFieldsMixin, serializers.Serializer):
    """Base of an action's input or a read model: every field within the suite's input limits."""


class SuiteModelSerializer(HardenedFieldsMixin, serializers.ModelSerializer):
    """Base of every API serializer: id, company, timestamps; related ids scoped to the user's companies.

    On create, `company` may be given; it defaults to the only company in which the user's role may create
    the record. Every related record must belong to the same company as the record written.
    """

    serializer_related_field = ScopedPrimaryKeyRelatedField
    base_fields = ("id", "created_at", "updated_at")

    def get_fields(self):
        fields = super().get_fields()
        if "company" in fields:
            help_text = "Company id; defaults to the only company in which your role may create this record."
            if self.instance is not None and not isinstance(self.instance, list | models.QuerySet):
                # a record never moves between companies: read-only once it exists
                fields["company"] = serializers.PrimaryKeyRelatedField(read_only=True, help_text=help_text)
            else:
                fields["company"] = ScopedPrimaryKeyRelatedField(queryset=Company.objects.all(), required=False,
                                                                 help_text=help_text)
        for name in ("created_at", "updated_at"):
            if name in fields:
                fields[name].read_only = True
        return fields

    def get_validators(self):
        # a uniqueness rule that includes `company` is checked by the service's full_clean once the company is
        # resolved (DRF's validator would otherwise make `company` required, though it defaults)
        return [v for v in super().get_validators()
                if not (isinstance(v, UniqueTogetherValidator) and "company" in v.fields)]

    def resolve_company(self, attrs) -> Company | None:
        if "company" not in self.fields:
            return None
        if self.instance is not None:
            return self.instance.company
        if attrs.get("company"):
            return attrs["company"]
        parent = getattr(self, "parent_company", None)
        if parent is not None:
            return parent
        request = self.context.get("request")
        try:
            return default_company(request.user if request else None, model_perm(self.Meta.model, "add"))
        except DomainError as error:
            raise serializers.ValidationError({"company": [error.message]}) from error

    def validate(self, attrs):
        attrs = super().validate(attrs)
        company = self.resolve_company(attrs)
        if company is not None:
            if "company" in self.fields and self.instance is None:
                attrs["company"] = company
            check_same_company(attrs, company)
        return attrs


class SuiteChildSerializer(HardenedFieldsMixin, serializers.ModelSerializer):
    """A model serializer without the company handling of `SuiteModelSerializer`: a row nested in a resource
    (lines, addresses, shifts; related ids scoped like the parent's, the service checks they belong to the
    parent's company) or a read-only view of rows (roles, audit, stock); every field within the input limits."""

    serializer_related_field = ScopedPrimaryKeyRelatedField


def check_same_company(attrs: dict, company: Company) -> None:
    """Reject related records of another company than the one written (named by field)."""
    errors = {}
    for name, value in attrs.items():
        if name == "company" or not isinstance(value, models.Model):
            continue
        owner = company_of(value)
        if owner is not None and owner != company.pk:
            errors[name] = ["Belongs to another company."]
    if errors:
        raise serializers.ValidationError(errors)


class WorkflowFieldsMixin(serializers.Serializer):
    """Adds `allowed_transitions`: the workflow verbs the requesting user may call now."""

    allowed_transitions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        """Only verbs this user may call now (status, role in the record's company, guards such as an approval
        threshold) and that the API offers as `POST {id}/<verb>/`."""
        request = self.context.get("request")
        verbs = allowed_transitions(obj, request.user if request else None)
        view = self.context.get("view")
        if view is not None and type(obj) is view_model_of(view):
            verbs = [verb for verb in verbs if hasattr(getattr(type(view), verb, None), "mapping")]
        return verbs


def view_model_of(view):
    from apps.core.api.permissions import view_model

    return view_model(view)


def download_url(request, path: str) -> str:
    """The absolute URL of an authenticated, company-checked download (never a `/media/` path)."""
    return request.build_absolute_uri(path) if request else path


def validated_query(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The query parameters of a request validated by `serializer_class` (400 naming each bad parameter); the
    same serializer documents them (`extend_schema(parameters=[serializer_class])`)."""
    query = serializer_class(data=request.query_params, context={"request": request})
    query.is_valid(raise_exception=True)
    return query.validated_data


class IdQueryField(serializers.IntegerField):
    """A record id in a query parameter (the suite's ids are 64-bit)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class CommentSerializer(SuiteSerializer):
    """Input of a workflow step that takes an optional comment."""

    comment = serializers.CharField(required=False, allow_blank=True, default="")
