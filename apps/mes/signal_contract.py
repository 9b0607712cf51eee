"""The machine-signal contract, read once for every way signals arrive (MQTT, the bulk HTTP API, OPC UA).

MQTT topic `millwright/<company code>/<work center code>/<equipment code>/<kind>` with a JSON payload:

* `state`: `{"ts": "2026-12-01T08:00:00Z", "state": "running"|"idle"|"down", "reason": "<machine code>"}`
* `count`: `{"ts": "...", "good": 3, "scrap": 0}` (increments since the previous count)

A message that breaks the contract is not stored: it is counted per reason (`SignalDropReason`) and the
gateway goes on. `ts` must carry a UTC offset, be at most MES_SIGNAL_MAX_FUTURE_SECONDS ahead of the server's
clock and younger than the signal retention (older rows are already rolled up).
"""

import contextlib
import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.mes.choices import MachineState, SignalDropReason, SignalKind

TOPIC_ROOT = "millwright"
MAX_COUNT = 1_000_000  # parts in one count message; more is a broken counter, not production
MAX_PAYLOAD = 4096
MAX_REASON = 40
SIGNAL_STATES = (MachineState.RUNNING, MachineState.IDLE, MachineState.DOWN)
SIGNAL_KINDS = frozenset(SignalKind.values)


class SignalRejected(Exception):
    """A signal that breaks the contract: `reason` is a SignalDropReason, `detail` says what was wrong."""

    def __init__(self, reason: str, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.reason, self.detail, self.field = reason, detail, field


@dataclass(frozen=True)
class EquipmentKey:
    """Who sent a signal: resolved from the topic's (or the row's) codes."""

    equipment_id: int
    work_center_id: int
    company_id: int


@dataclass
class SignalRow:
    """One signal that passed the contract, ready for `signals_ingest`."""

    key: EquipmentKey
    kind: str
    ts: datetime.datetime
    state: str = ""
    reason: str = ""
    good: int = 0
    scrap: int = 0
    # an OPC UA count: the counters' values this signal brings the equipment to, stored with it (see Equipment)
    counters: dict | None = None


def parse_topic(topic: str) -> tuple[str, str, str, str]:
    """(company code, work center code, equipment code, kind) of a topic, or SignalRejected(malformed)."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != TOPIC_ROOT or not all(parts[1:4]):
        raise SignalRejected(SignalDropReason.MALFORMED, f"topic {topic[:120]!r} is not "
                             f"{TOPIC_ROOT}/<company>/<work center>/<equipment>/<kind>")
    if parts[4] not in SIGNAL_KINDS:
        raise SignalRejected(SignalDropReason.MALFORMED, f"topic kind {parts[4][:20]!r} is not state or count",
                             field="kind")
    return parts[1], parts[2], parts[3], parts[4]


def _integer(data: dict, name: str) -> int:
    value = data.get(name, 0)
    if type(value) is int and 0 <= value <= MAX_COUNT:  # the usual case, checked at once
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise SignalRejected(SignalDropReason.MALFORMED, f"{name} must be a whole number from 0 to {MAX_COUNT}",
                             field=name)
    return value


def ts_window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The oldest and the latest `ts` accepted at `now` (the retention; MES_SIGNAL_MAX_FUTURE_SECONDS ahead): a
    gateway computes it once per batch."""
    now = now or timezone.now()
    return (now - datetime.timedelta(days=settings.MES_SIGNAL_RETENTION_DAYS),
            now + datetime.timedelta(seconds=settings.MES_SIGNAL_MAX_FUTURE_SECONDS))


def parse_ts(value, *, now: datetime.datetime | None = None,
             window: tuple[datetime.datetime, datetime.datetime] | None = None) -> datetime.datetime:
    """An ISO-8601 time with offset, not in the future, not older than the retention (`window`: `ts_window`)."""
    ts = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            ts = datetime.datetime.fromisoformat(value)  # the fast path (3.11 reads "Z" too)
        except ValueError:
            with contextlib.suppress(ValueError):  # well-formed but impossible (month 13): not a time
                ts = parse_datetime(value)
    if isinstance(value, datetime.datetime):
        ts = value
    if ts is None or ts.tzinfo is None:
        raise SignalRejected(SignalDropReason.MALFORMED, "ts must be an ISO-8601 time with a UTC offset",
                             field="ts")
    oldest, latest = window or ts_window(now)
    if ts > latest:
        raise SignalRejected(SignalDropReason.FUTURE_TS, f"ts {value} is in the future", field="ts")
    if ts < oldest:
        raise SignalRejected(SignalDropReason.TOO_OLD, f"ts {value} is older than the signal retention", field="ts")
    return ts if ts.tzinfo is datetime.UTC else ts.astimezone(datetime.UTC)


def _checked(kind: str, data, now: datetime.datetime | None,
             window: tuple[datetime.datetime, datetime.datetime] | None) -> tuple:
    """(ts, state, reason, good, scrap) of a state or count message, checked (`data`: the decoded JSON object)."""
    if not isinstance(data, dict):
        raise SignalRejected(SignalDropReason.MALFORMED, "the payload must be a JSON object")
    ts = parse_ts(data.get("ts"), now=now, window=window)
    if kind == SignalKind.STATE:
        state = data.get("state")
        if state not in SIGNAL_STATES:
            raise SignalRejected(SignalDropReason.MALFORMED, "state must be running, idle or down", field="state")
        reason = data.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON or "\x00" in reason:
            raise SignalRejected(SignalDropReason.MALFORMED, f"reason must be text of at most {MAX_REASON} "
                                 "characters", field="reason")
        return ts, state, reason.strip(), 0, 0
    return ts, "", "", _integer(data, "good"), _integer(data, "scrap")


def parse_values(kind: str, data, *, now: datetime.datetime | None = None,
                 window: tuple[datetime.datetime, datetime.datetime] | None = None) -> dict:
    """The checked fields of a state or count message (`data`: the decoded JSON object)."""
    ts, state, reason, good, scrap = _checked(kind, data, now, window)
    return {"ts": ts, "state": state, "reason": reason, "good": good, "scrap": scrap}


def _decoded(payload: bytes):
    """A raw MQTT payload's JSON (UTF-8, at most MAX_PAYLOAD bytes)."""
    if len(payload) > MAX_PAYLOAD:
        raise SignalRejected(SignalDropReason.MALFORMED, f"payload larger than {MAX_PAYLOAD} bytes")
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SignalRejected(SignalDropReason.MALFORMED, "the payload is not UTF-8 JSON") from exc


def parse_payload(kind: str, payload: bytes, *, now: datetime.datetime | None = None,
                  window: tuple[datetime.datetime, datetime.datetime] | None = None) -> dict:
    """`parse_values` of a raw MQTT payload (UTF-8 JSON, at most MAX_PAYLOAD bytes)."""
    return parse_values(kind, _decoded(payload), now=now, window=window)


class EquipmentDirectory:
    """Codes → equipment, loaded in one query and reloaded when a code is missing (at most every
    `reload_seconds`), so the gateway does not query per message. `topics` remembers the topics already
    resolved (kind, equipment) until the next reload."""

    def __init__(self, reload_seconds: float = 10.0):
        self.reload_seconds = reload_seconds
        self.topics: dict[str, tuple[str, EquipmentKey]] = {}
        self._keys: dict[tuple[str, str, str], EquipmentKey] = {}
        self._owners: dict[tuple[str, str], set[str]] = {}
        self._companies: dict[str, int] = {}
        self._loaded_at: float | None = None

    def load(self) -> None:
        from apps.core.models import Company
        from apps.mes.models import Equipment

        keys, owners = {}, {}
        for eq_id, wc_id, company_id, company, wc, code in Equipment.objects.filter(
                is_active=True, work_center__is_active=True).values_list(
                "id", "work_center_id", "work_center__company_id", "work_center__company__code",
                "work_center__code", "code"):
            keys[(company, wc, code)] = EquipmentKey(eq_id, wc_id, company_id)
            owners.setdefault((wc, code), set()).add(company)
        self._keys, self._owners = keys, owners
        self.topics = {}
        self._companies = dict(Company.objects.values_list("code", "id"))
        self._loaded_at = timezone.now().timestamp()

    def company_id(self, code: str) -> int | None:
        if self._loaded_at is None:
            self.load()
        return self._companies.get(code)

    def resolve(self, company: str, work_center: str, equipment: str) -> EquipmentKey:
        """The equipment named by the codes, or SignalRejected(unknown equipment / wrong company)."""
        key = self._keys.get((company, work_center, equipment))
        if key is None and (self._loaded_at is None
                            or timezone.now().timestamp() - self._loaded_at > self.reload_seconds):
            self.load()
            key = self._keys.get((company, work_center, equipment))
        if key is not None:
            return key
        if self._owners.get((work_center, equipment)):
            raise SignalRejected(SignalDropReason.WRONG_COMPANY, f"{work_center}/{equipment} does not belong to "
                                 f"company {company[:20]}", field="equipment")
        raise SignalRejected(SignalDropReason.UNKNOWN_EQUIPMENT, f"no equipment {equipment[:40]} at work center "
                             f"{work_center[:20]} in company {company[:20]}", field="equipment")


class DropTally:
    """Dropped signals counted per (company id or None, reason), with the last detail of each; flushed to
    `signal_drops_record` with each batch."""

    def __init__(self):
        from collections import Counter

        self.counts: Counter = Counter()
        self.details: dict = {}

    def add(self, company_id: int | None, rejected: SignalRejected, where: str = "") -> None:
        key = (company_id, str(rejected.reason))
        self.counts[key] += 1
        self.details[key] = f"{where}: {rejected.detail}" if where else rejected.detail

    def take(self) -> tuple:
        counts, details = self.counts, self.details
        self.counts, self.details = type(counts)(), {}
        return counts, details

    def __len__(self) -> int:
        return sum(self.counts.values())


def read_message(topic: str, payload: bytes, directory: EquipmentDirectory, tally: DropTally,
                 *, now: datetime.datetime | None = None,
                 window: tuple[datetime.datetime, datetime.datetime] | None = None) -> SignalRow | None:
    """One MQTT message as a SignalRow, or None after counting why it was dropped. A topic resolved before
    (`directory.topics`) is not parsed again; `window`: `ts_window`, once per batch."""
    known = directory.topics.get(topic)
    try:
        if known is not None:
            kind, key = known
            values = _checked(kind, _decoded(payload), now, window)
        else:
            company_code, work_center, equipment, kind = parse_topic(topic)
            values = _checked(kind, _decoded(payload), now, window)
            key = directory.resolve(company_code, work_center, equipment)
            directory.topics[topic] = (kind, key)
    except SignalRejected as rejected:
        parts = topic.split("/")
        company_code = parts[1] if len(parts) > 1 and parts[0] == TOPIC_ROOT else None
        tally.add(directory.company_id(company_code) if company_code else None, rejected, topic[:120])
        return None
    return SignalRow(key, kind, *values)
