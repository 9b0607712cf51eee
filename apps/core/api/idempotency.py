"""`Idempotency-Key` on POST: a retry with the same key and body replays the first response.

A placeholder row is claimed under a unique constraint before the request runs, so two
concurrent requests with the same key cannot both execute; the same key with another body
(or path) answers 422.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from rest_framework import exceptions, status
from rest_framework.response import Response

from apps.core.api.errors import PROBLEM_CONTENT_TYPE
from apps.core.models import IdempotencyRecord

IN_PROGRESS = 0


class IdempotencyKeyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with another request body or path."


class IdempotencyKeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed."


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def _body_bytes(request) -> bytes:
    """The raw body; for a form body already parsed (CSRF check), its fields and file names/sizes."""
    try:
        return request.body
    except RawPostDataException:
        files = sorted((name, f.name, f.size) for name, f in request.FILES.items())
        return repr((sorted(request.POST.lists()), files)).encode()


class IdempotencyMixin:
    """For DRF views: claim the key in `initial`, store the response in `finalize_response`."""

    _idempotency_record: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return
        if len(key) > 200:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        digest = hashlib.sha256(_body_bytes(request)).hexdigest()
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path,
                    request_hash=digest, status_code=IN_PROGRESS,
                )
            return
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
        if record.request_hash != digest or record.path != request.path:
            raise IdempotencyKeyMismatch()
        if record.status_code == IN_PROGRESS:
            raise IdempotencyKeyInProgress()
        raise _Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.response_body, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            if exc.record.status_code >= 400:
                response.content_type = PROBLEM_CONTENT_TYPE
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = self._idempotency_record
        if record is not None:
            self._idempotency_record = None
            if response.status_code >= 500:
                record.delete()  # a server error may be retried with the same key
            else:
                record.status_code = response.status_code
                record.response_body = getattr(response, "data", None)
                record.save(update_fields=["status_code", "response_body"])
        return response
