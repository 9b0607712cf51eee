"""`Idempotency-Key` (issue #9): canonical JSON bodies, stale claims, and the answer stored with the write.

Counts are exact: a key must never lead to a second party (nor a second audit record of its creation).
"""

import hashlib
import json
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.api.idempotency import IN_PROGRESS, IdempotencyMixin
from apps.core.api.views import PartyViewSet
from apps.core.errors import ConflictError
from apps.core.models import AuditRecord, IdempotencyRecord, Party
from apps.core.services.parties import party_create

PARTIES = "/api/v1/core/parties/"
PAYLOAD = {"name": "Ferro AG", "is_customer": True}


def canonical_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def post_raw(client, body: str, key: str):
    return client.generic("POST", PARTIES, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def party_creations() -> int:
    return AuditRecord.objects.filter(action="create", content_type__model="party").count()


def stale_claim(user, key: str, *, age_seconds: float, payload: dict = PAYLOAD) -> IdempotencyRecord:
    """A claim left IN_PROGRESS by a request whose process died `age_seconds` ago."""
    record = IdempotencyRecord.objects.create(user=user, key=key, method="POST", path=PARTIES,
                                              request_hash=canonical_hash(payload), status_code=IN_PROGRESS)
    IdempotencyRecord.objects.filter(pk=record.pk).update(claimed_at=timezone.now() - timedelta(seconds=age_seconds))
    return record


# ---- the same body -------------------------------------------------------------------------------------------

def test_reordered_json_keys_replay_the_first_response(api):
    first = post_raw(api, '{"name": "Ferro AG", "is_customer": true}', "k-order")
    second = post_raw(api, '{ "is_customer":true,\n  "name":"Ferro AG" }', "k-order")
    assert first.status_code == 201
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Party.objects.count() == 1
    assert party_creations() == 1
    assert IdempotencyRecord.objects.get(key="k-order").request_hash == canonical_hash(PAYLOAD)


def test_changed_body_under_the_same_key_still_answers_422(api):
    assert post_raw(api, '{"name": "Ferro AG", "is_customer": true}', "k-changed").status_code == 201
    response = post_raw(api, '{"is_customer": true, "name": "Ferro GmbH"}', "k-changed")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:millwright:problem:idempotency_key_reused"
    assert list(Party.objects.values_list("name", flat=True)) == ["Ferro AG"]


def test_malformed_json_is_compared_as_sent(api):
    first = post_raw(api, '{"name": ', "k-broken")
    again = post_raw(api, '{"name": ', "k-broken")
    other = post_raw(api, '{"name":  ', "k-broken")
    assert (first.status_code, again.status_code, other.status_code) == (400, 400, 422)
    assert again["Idempotent-Replayed"] == "true"
    assert not Party.objects.exists()


# ---- stale claims --------------------------------------------------------------------------------------------

def test_claim_younger_than_the_ttl_answers_409_and_runs_nothing(api, user, settings):
    settings.IDEMPOTENCY_CLAIM_TTL_SECONDS = 60
    claim = stale_claim(user, "k-young", age_seconds=50)
    response = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-young")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:millwright:problem:idempotency_key_in_progress"
    assert not Party.objects.exists()
    claim.refresh_from_db()
    assert claim.status_code == IN_PROGRESS


def test_claim_older_than_the_ttl_is_taken_over_and_runs_once(api, user, settings):
    settings.IDEMPOTENCY_CLAIM_TTL_SECONDS = 60
    claim = stale_claim(user, "k-stale", age_seconds=61)
    first = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-stale")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    claim.refresh_from_db()
    assert (claim.status_code, claim.response_body["id"]) == (201, first.json()["id"])
    assert timezone.now() - claim.claimed_at < timedelta(seconds=60)  # the claim was renewed by the takeover
    second = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-stale")
    assert (second.status_code, second["Idempotent-Replayed"]) == (201, "true")
    assert Party.objects.count() == 1
    assert party_creations() == 1


def test_stale_claim_with_another_body_still_answers_422(api, user, settings):
    settings.IDEMPOTENCY_CLAIM_TTL_SECONDS = 60
    stale_claim(user, "k-stale-other", age_seconds=120, payload={"name": "Other", "is_customer": True})
    response = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-stale-other")
    assert response.status_code == 422
    assert not Party.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_running_request_keeps_its_claim_even_past_the_ttl(user, settings):
    settings.IDEMPOTENCY_CLAIM_TTL_SECONDS = 0  # every claim is "old": only the running request's row lock protects it
    entered, release = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        party = party_create(**kwargs)
        entered.set()
        release.wait(timeout=30)
        return party

    def client() -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    first: dict = {}

    def run_first():
        try:
            first["response"] = client().post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-running")
        finally:
            connection.close()

    with mock.patch.dict(PartyViewSet.services, {"create": slow_create}):
        thread = threading.Thread(target=run_first)
        thread.start()
        try:
            assert entered.wait(timeout=20), "the first request never reached the service"
            concurrent = client().post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-running")
            assert thread.is_alive()  # answered while the first request still runs: not waited on
        finally:
            release.set()
            thread.join(timeout=30)
    assert concurrent.status_code == 409
    assert concurrent.json()["type"] == "urn:millwright:problem:idempotency_key_in_progress"
    assert first["response"].status_code == 201
    retry = client().post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-running")
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
    assert retry.json() == first["response"].json()
    assert Party.objects.count() == 1
    assert party_creations() == 1


# ---- the answer commits with the write -----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_failure_to_store_the_answer_rolls_the_write_back_so_the_retry_writes_once(user):
    api = APIClient()
    api.force_authenticate(user)
    with mock.patch.object(IdempotencyMixin, "_store_response", side_effect=RuntimeError("disk full")):
        crashed = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")
    assert crashed.status_code == 500
    assert Party.objects.count() == 0  # the service's write went with the answer that could not be stored
    assert party_creations() == 0
    assert not IdempotencyRecord.objects.exists()  # the claim was released: the retry runs at once
    retry = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")
    assert retry.status_code == 201
    again = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert Party.objects.count() == 1
    assert party_creations() == 1


@pytest.mark.django_db(transaction=True)
def test_server_error_after_the_service_wrote_leaves_nothing_and_the_retry_writes_once(user):
    api = APIClient()
    api.force_authenticate(user)

    def create_then_fail(**kwargs):
        party_create(**kwargs)
        raise RuntimeError("response serializer crashed")

    with mock.patch.dict(PartyViewSet.services, {"create": create_then_fail}):
        failed = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-5xx")
    assert failed.status_code == 500
    assert Party.objects.count() == 0
    assert party_creations() == 0
    assert not IdempotencyRecord.objects.exists()
    retry = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-5xx")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Party.objects.count() == 1
    assert party_creations() == 1


def test_client_error_is_stored_and_replayed_without_running_the_service_again(api):
    calls = []

    def refusing_create(**kwargs):
        calls.append(kwargs["name"])
        raise ConflictError("name", "A supplier with this name is being merged.", code="merging")

    with mock.patch.dict(PartyViewSet.services, {"create": refusing_create}):
        first = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-409")
        second = api.post(PARTIES, PAYLOAD, format="json", HTTP_IDEMPOTENCY_KEY="k-409")
    assert (first.status_code, second.status_code) == (409, 409)
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert second["Content-Type"] == "application/problem+json"
    assert second.json() == first.json()
    assert second.json()["type"] == "urn:millwright:problem:merging"
    assert calls == ["Ferro AG"]  # the replay did not run the service again
    assert IdempotencyRecord.objects.get(key="k-409").status_code == 409
    assert not Party.objects.exists()
