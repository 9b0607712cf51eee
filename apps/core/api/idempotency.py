"""`Idempotency-Key` on POST: a retry with the same key and body replays the first response.

How a POST with the header is handled (keys are per user, at most 200 characters):

* **Claim.** Before the view runs, the key is claimed: an `IdempotencyRecord` placeholder
  (`IN_PROGRESS`) is inserted under the unique (user, key) constraint and committed at once, so a
  concurrent request with the same key sees it and answers **409** (`idempotency_key_in_progress`)
  instead of waiting or running a second time.
* **One transaction.** The view (the service call) and the storing of its response in the claim run
  in one `transaction.atomic()`, which also holds the claim's row lock. The write and the stored
  answer commit together or not at all: a crash, a 5xx or a failure to store the answer rolls the
  write back, and the claim is released, so the retry runs again and writes exactly once.
* **Replay.** A retry with the same key, path and body gets the stored status and body with the
  header `Idempotent-Replayed: true`. 2xx and 4xx answers are stored (a 4xx is replayed as
  problem+json); a 5xx is never stored.
* **Same body.** JSON bodies are compared as canonical JSON (parsed, keys sorted, no whitespace), so
  the same data with keys in another order or other spacing is the same request; other bodies are
  compared byte for byte (an already parsed form: its fields and file names and sizes). The same key
  with another body or path answers **422** (`idempotency_key_reused`).
* **Stale claims.** A claim whose request died after the claim committed (a killed process) would
  block its key. Once it is older than `IDEMPOTENCY_CLAIM_TTL_SECONDS` (default 60) and no request
  holds its row lock, the next retry takes it over (under that row lock, renewing `claimed_at`) and
  runs; before that, or while the original request is still running, it is 409. The view runs only
  while its claim still carries the `claimed_at` it set, so a request whose claim was taken over
  answers 409 and writes nothing.
* Records are deleted after `IDEMPOTENCY_RETENTION_HOURS` (default 24) by the outbox purge.
"""

import hashlib
import json
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from apps.core.api.errors import PROBLEM_CONTENT_TYPE
from apps.core.models import IdempotencyRecord

logger = logging.getLogger(__name__)

IN_PROGRESS = 0
CLAIM_TRIES = 3


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


class _RollBack(Exception):
    """Carries a response out of the request's transaction so that the transaction rolls back."""

    def __init__(self, response):
        self.response = response


def _body_bytes(request) -> bytes:
    """The raw body; for a form body already parsed (CSRF check), its fields and file names/sizes."""
    try:
        return request.body
    except RawPostDataException:
        files = sorted((name, f.name, f.size) for name, f in request.FILES.items())
        return repr((sorted(request.POST.lists()), files)).encode()


def _is_json(request) -> bool:
    media_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def request_digest(request) -> str:
    """SHA-256 of the body, of its canonical JSON when it is JSON: the data the view will see, not its spelling."""
    body = _body_bytes(request)
    if _is_json(request):
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):
            pass  # not valid JSON: compared as sent (the view answers 400 for it anyway)
    return hashlib.sha256(body).hexdigest()


class IdempotencyMixin:
    """For DRF views: claim the key in `initial`, then run the handler and store its response in one transaction."""

    _idempotency_claim: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_claim = None
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return
        if len(key) > 200:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        self._idempotency_claim = self._claim(request, key, request_digest(request))
        # DRF looks the handler up after initial(); run it under the claim (as DRF would have run it)
        handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
        setattr(self, request.method.lower(), partial(self._run_claimed, handler))

    def _claim(self, request, key: str, digest: str) -> IdempotencyRecord:
        """A committed IN_PROGRESS claim on the key; else 422, 409 or the replay of the stored answer."""
        for _ in range(CLAIM_TRIES):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        user=request.user, key=key, method=request.method, path=request.path,
                        request_hash=digest, status_code=IN_PROGRESS, claimed_at=timezone.now(),
                    )
            except IntegrityError:
                pass
            record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if record is None:
                continue  # released by a failed request after our insert failed: claim it again
            if record.request_hash != digest or record.path != request.path:
                raise IdempotencyKeyMismatch()
            if record.status_code != IN_PROGRESS:
                raise _Replay(record)
            return self._take_over(record)
        raise IdempotencyKeyInProgress()

    @staticmethod
    @transaction.atomic
    def _take_over(record: IdempotencyRecord) -> IdempotencyRecord:
        """Take over a stale claim: older than the TTL and not held by a running request; else 409."""
        # a running request holds the claim's row lock for as long as it works: skip it, never wait on it
        held = IdempotencyRecord.objects.select_for_update(skip_locked=True).filter(pk=record.pk).first()
        if held is None:
            raise IdempotencyKeyInProgress()
        if held.status_code != IN_PROGRESS:
            raise _Replay(held)  # it finished between our two reads
        now = timezone.now()
        if held.claimed_at > now - timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TTL_SECONDS):
            raise IdempotencyKeyInProgress()
        # under the row lock no other retry can take it at the same time; the new timestamp is the new owner's
        # token, so the dead request's claim (should it wake up) no longer matches
        held.claimed_at = now
        held.save(update_fields=["claimed_at"])
        return held

    def _run_claimed(self, handler, request, *args, **kwargs):
        """Run the view and store its answer in one transaction; on a 5xx or a crash, keep nothing."""
        claim = self._idempotency_claim
        try:
            with transaction.atomic():
                held = (IdempotencyRecord.objects.select_for_update(skip_locked=True)
                        .filter(pk=claim.pk, status_code=IN_PROGRESS, claimed_at=claim.claimed_at).first())
                if held is None:
                    # our claim went stale and a retry took it over (or holds it): that retry answers
                    self._idempotency_claim = None
                    raise IdempotencyKeyInProgress()
                try:
                    with transaction.atomic():  # a savepoint: a failed view leaves the transaction usable
                        response = handler(request, *args, **kwargs)
                except Exception as exc:
                    response = self.handle_exception(exc)
                if response.status_code >= 500:
                    raise _RollBack(response)
                self._store_response(held, response)
        except _RollBack as rollback:
            self._release_claim()
            return rollback.response
        except BaseException:  # a crash or a failed commit: nothing was written, let the retry run
            self._release_claim()
            raise
        self._idempotency_claim = None
        return response

    def _store_response(self, record: IdempotencyRecord, response) -> None:
        record.status_code = response.status_code
        record.response_body = getattr(response, "data", None)
        record.save(update_fields=["status_code", "response_body"])

    def _release_claim(self) -> None:
        """Delete our claim after the request's transaction rolled back, so that a retry runs at once."""
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is None:
            return
        try:
            IdempotencyRecord.objects.filter(pk=claim.pk, status_code=IN_PROGRESS,
                                             claimed_at=claim.claimed_at).delete()
        except Exception:  # the database is gone: the claim expires after IDEMPOTENCY_CLAIM_TTL_SECONDS
            logger.warning("could not release idempotency claim %s", claim.pk, exc_info=True)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.response_body, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            if exc.record.status_code >= 400:
                response.content_type = PROBLEM_CONTENT_TYPE
            return response
        return super().handle_exception(exc)
