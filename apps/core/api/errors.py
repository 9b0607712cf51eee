"""problem+json (RFC 9457) for every API error: type, title, status, detail, errors[attr, code, detail]."""

import logging
from http import HTTPStatus

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

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


def problem_exception_handler(exc, context):
    """DRF exception handler: every error becomes application/problem+json."""
    if isinstance(exc, DjangoValidationError):
        exc = from_validation_error(exc)
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


def problem_response(status: int, code: str, detail: str) -> JsonResponse:
    """A plain Django problem+json response (404/500 outside DRF views under /api/)."""
    return JsonResponse(problem_body(status, code=code, detail=detail), status=status,
                        content_type=PROBLEM_CONTENT_TYPE)
