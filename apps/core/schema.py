"""The OpenAPI schema: enum names (one component per choices class, so `status` fields of different models never
collide) and `SuiteAutoSchema` (`DEFAULT_SCHEMA_CLASS`), which documents the errors and headers every operation
shares."""

import importlib

from django.apps import apps
from django.conf import settings
from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


def choices_enum_overrides() -> dict[str, str]:
    """`{"<Class>Enum": "apps.<app>.choices.<Class>"}` for every choices class in an app's `choices` module."""
    overrides: dict[str, str] = {}
    seen: set[tuple] = set()  # identical choice sets must share one name (drf-spectacular rejects two)
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            continue
        for name, value in sorted(vars(module).items()):
            if (isinstance(value, type) and issubclass(value, models.Choices) and value.__module__ == module.__name__
                    and value is not models.Choices):
                values = tuple(value.values)
                if values in seen:
                    continue
                seen.add(values)
                key = f"{name}Enum"
                if key in overrides:  # the same class name in two apps: qualify with the app
                    key = f"{config.label.capitalize()}{name}Enum"
                overrides[key] = f"{module.__name__}.{name}"
    return overrides


def register_enum_overrides() -> None:
    """Called from CoreConfig.ready(): explicit settings win over the generated names."""
    spectacular = getattr(settings, "SPECTACULAR_SETTINGS", None)
    if spectacular is None:
        return
    explicit = spectacular.setdefault("ENUM_NAME_OVERRIDES", {})
    for key, path in choices_enum_overrides().items():
        if key not in explicit and path not in explicit.values():
            explicit[key] = path


# ---- the API schema: error responses, idempotency headers --------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457 problem details, `application/problem+json`). Some problems add members, "
                   "e.g. `available` on a reservation beyond the available stock.",
    "properties": {
        "type": {"type": "string", "description": "`urn:millwright:problem:<code>`."},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a human."},
        "errors": {
            "type": "array",
            "description": "Every problem found, each naming its field (`lines.2.quantity`) or null for the "
                           "whole request.",
            "items": {
                "type": "object",
                "properties": {
                    "attr": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["attr", "code", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
    "additionalProperties": True,
}

# status → (component name, description); shared `components/responses`, referenced by every operation
ERROR_RESPONSES = {
    400: ("BadRequest", "Invalid input: every problem names its field or query parameter."),
    401: ("Unauthorized", "No or invalid credentials (`Authorization: Token <key>`)."),
    403: ("Forbidden", "Your role in the record's company does not allow this."),
    404: ("NotFound", "No such record, or one of a company you do not belong to."),
    409: ("Conflict", "The record's state does not allow this now (e.g. an illegal workflow step)."),
    422: ("UnprocessableEntity", "The `Idempotency-Key` was used with another request."),
}
BODY_TOO_LARGE = {413: ("PayloadTooLarge", "The request body (or an uploaded file) is larger than the suite accepts.")}
THROTTLED = {429: ("TooManyRequests", "Too many requests; retry after the `Retry-After` header's seconds.")}


class SuiteAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what every operation of the suite shares: its problem+json error
    responses (400/401/403/404/409/422; 413 with a body; 429 when throttled) and, for POSTs, the
    `Idempotency-Key` request header and `Idempotent-Replayed` response header."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        from apps.core.api.idempotency import IdempotencyMixin

        if self.method == "POST" and isinstance(self.view, IdempotencyMixin):
            parameters += [
                OpenApiParameter(
                    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                    description="Retry-safe POST: the same key and body (JSON compared canonically) replay the first "
                                "response (header `Idempotent-Replayed: true`); another body answers 422; a request "
                                "still running with the key answers 409 (a claim older than "
                                "IDEMPOTENCY_CLAIM_TTL_SECONDS is taken over)."),
                OpenApiParameter(
                    "Idempotent-Replayed", str, OpenApiParameter.HEADER, response=True, enum=["true"],
                    description="Present (`true`) when this response replays the first response to the key."),
            ]
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # a local time of day (a shift's start), which JSON Schema's `time` (RFC 3339, with an offset) is not
            del schema["format"]
            schema["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
            schema.setdefault("example", "06:00:00")
        min_value = getattr(field, "min_value", None)
        if isinstance(field, serializers.DecimalField) and min_value is not None and min_value >= 0 and \
                schema.get("pattern", "").startswith("^-?"):
            schema["pattern"] = "^" + schema["pattern"][3:]  # a decimal string that cannot be negative
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_TOO_LARGE)
        if self.view.get_throttles():
            errors.update(THROTTLED)
        problem = ResolvedComponent(name="Problem", type=ResolvedComponent.SCHEMA, object="Problem",
                                    schema=PROBLEM_SCHEMA)
        self.registry.register_on_missing(problem)
        for status, (name, description) in sorted(errors.items()):
            response = ResolvedComponent(name=name, type=ResolvedComponent.RESPONSE, object=name, schema={
                "content": {"application/problem+json": {"schema": problem.ref}}, "description": description})
            self.registry.register_on_missing(response)
            responses.setdefault(str(status), response.ref)
        return responses
