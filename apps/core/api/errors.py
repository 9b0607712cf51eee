"""problem+json (RFC 9457) for every API error: type, title, status, detail, errors[attr, code, detail].

Database errors that still reach a view (a CHECK or unique constraint, a numeric overflow, a value too long for
its column) and decimal arithmetic that overflows are the last line of defence: they answer 400/409 naming the
field where the constraint tells it, never 500. Their real causes are validated earlier (serializer fields,
filters, services), so these are logged.
"""

import functools
import logging
from decimal import DecimalException
from http import HTTPStatus

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.errors import DomainError, from_validation_error

logger = logging.getLogger(__name__)
PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, *, code: str, detail: str, errors: list[dict] | None = None, **extra) -> dict:
    return {
        "type": f"urn:millwright:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": errors or [],
        **extra,
    }


def flatten_errors(detail, path: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into [{attr: "lines.2.quantity", code, detail}]."""
    if isinstance(detail, dict):
        if set(detail) == {"message", "code"}:
            return [{"attr": path or None, "code": detail["code"], "detail": str(detail["message"])}]
        out = []
        for key, value in detail.items():
            attr = None if key in ("non_field_errors", "__all__") and not path else (
                f"{path}.{key}" if path else str(key))
            out += flatten_errors(value, attr or "")
        return out
    if isinstance(detail, list):
        if all(isinstance(d, dict) and set(d) == {"message", "code"} for d in detail):
            return [{"attr": path or None, "code": d["code"], "detail": str(d["message"])} for d in detail]
        out = []
        for index, value in enumerate(detail):
            out += flatten_errors(value, f"{path}.{index}" if path else str(index))
        return out
    return [{"attr": path or None, "code": "invalid", "detail": str(detail)}]


def domain_error_body(exc: DomainError) -> dict:
    errors = [{"attr": field, "code": code, "detail": message} for field, code, message in exc.errors]
    return problem_body(exc.status_code, code=exc.code, detail=str(exc), errors=errors, **exc.extra)


@functools.cache
def constraint_fields() -> dict[str, tuple[str, ...]]:
    """`{constraint name: the fields it is about}` for every model constraint of the suite."""
    found: dict[str, tuple[str, ...]] = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            fields = tuple(getattr(constraint, "fields", ()) or ())
            condition = getattr(constraint, "condition", None)
            if not fields and isinstance(condition, models.Q):
                fields = tuple(_q_fields(condition))
            found[constraint.name] = fields
    return found


def _q_fields(condition: models.Q):
    for child in condition.children:
        if isinstance(child, models.Q):
            yield from _q_fields(child)
        else:
            name = child[0].split("__")[0]
            yield name


def field_of_column(table: str | None, column: str) -> str:
    """The model field name of a database column (`uom_id` → `uom`)."""
    for model in apps.get_models():
        if model._meta.db_table == table:
            for field in model._meta.concrete_fields:
                if field.column == column:
                    return field.name
    return column


# SQLSTATE → (HTTP status, problem code, message)
DATABASE_ERRORS = {
    "23514": (400, "constraint", "The value breaks a rule of the record ({constraint})."),
    "23502": (400, "required", "This field is required."),
    "23505": (409, "unique", "A record with these values already exists ({constraint})."),
    "23503": (409, "reference", "The record refers to, or is referred to by, another record."),
    "23P01": (409, "overlap", "The record overlaps another one ({constraint})."),
    "22003": (400, "out_of_range", "A number is too large for its field."),
    "22001": (400, "too_long", "A text is longer than its field allows."),
}


def database_error_body(exc: IntegrityError | DataError) -> dict:
    """The problem a database error stands for, naming the field when its constraint or column tells it."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or ""
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    default = (409, "conflict", "The change conflicts with other records.") if isinstance(exc, IntegrityError) \
        else (400, "invalid", "A value is out of range for its field.")
    status, code, message = DATABASE_ERRORS.get(sqlstate, default)
    column = getattr(diag, "column_name", None)
    fields = constraint_fields().get(constraint) or (
        (field_of_column(getattr(diag, "table_name", None), column),) if column else ())
    message = message.format(constraint=constraint or "constraint")
    errors = [{"attr": field, "code": code, "detail": message} for field in fields] or [
        {"attr": None, "code": code, "detail": message}]
    return problem_body(status, code=code, detail=message, errors=errors)


def problem_exception_handler(exc, context):
    """DRF exception handler: every error becomes application/problem+json."""
    if isinstance(exc, DjangoValidationError):
        exc = from_validation_error(exc)
    if isinstance(exc, IntegrityError | DataError | DecimalException):
        logger.warning("database or arithmetic refused an API request: %r", exc)
        set_rollback()
        body = database_error_body(exc) if isinstance(exc, IntegrityError | DataError) else problem_body(
            400, code="out_of_range", detail="A number is too large to compute or to store.")
        response = Response(body, status=body["status"])
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
    if isinstance(exc, DomainError):
        response = Response(domain_error_body(exc), status=exc.status_code)
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
    if isinstance(exc, ProtectedError | RestrictedError):
        body = problem_body(409, code="protected", detail="This record is in use by other records and cannot be "
                            "deleted.")
        response = Response(body, status=409)
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        response = Response(problem_body(500, code="server_error", detail="An unexpected error occurred."),
                            status=500)
    else:
        detail = exc.get_full_details() if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(exc, exceptions.ValidationError):
            errors = flatten_errors(detail)
            summary = "; ".join(f"{e['attr']}: {e['detail']}" if e["attr"] else e["detail"] for e in errors)
            response.data = problem_body(response.status_code, code="validation_error", detail=summary,
                                         errors=errors)
        else:
            code = getattr(exc, "default_code", "error")
            message = detail["message"] if isinstance(detail, dict) and "message" in detail else str(exc)
            response.data = problem_body(response.status_code, code=code, detail=str(message))
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status: int, code: str, detail: str, *, attr: str | None = None,
                     extra: dict | None = None) -> JsonResponse:
    """A plain Django problem+json response (outside DRF views: the request guard, 404/500 under /api/)."""
    errors = [{"attr": attr, "code": code, "detail": detail}] if attr else None
    return JsonResponse(problem_body(status, code=code, detail=detail, errors=errors, **(extra or {})),
                        status=status, content_type=PROBLEM_CONTENT_TYPE)
