"""Machine signals: the one way signals become data (gateway, bulk API, simulator and OPC UA all call
`signals_ingest`), the drops counted instead of stored, and the silence that turns a machine `unknown`.

A batch is written in one transaction:

1. the companies, work centers and machines the batch names are checked and locked once (what their foreign keys
   would do row by row: `MachineSignal`'s references carry no constraint); each count is given the operation
   running at its work center at `ts` (started, not yet finished). The rows are copied (COPY) straight into
   `mes_machinesignal` in a savepoint; their counts, summed in Python per machine, operation and minute, are added
   to the per-minute roll-up (`MachineCount`) and to the operations' machine counters by one statement. When the
   unique (equipment, kind, ts) refuses the COPY (a redelivered signal, or one twice in the batch), the savepoint
   is rolled back and the batch goes the slow way: COPY into a temporary table and one INSERT ... SELECT ...
   ON CONFLICT DO NOTHING whose stored rows alone are returned and booked: a signal stored twice has no effect the
   second time;
2. the downtime of every machine that sent states is recomputed from its state signals from the earliest new
   one on (`machine_downtime_apply`), so late and out-of-order signals are placed by `ts`;
3. the machines' current state (their latest state by `ts`) and their work centers' status are updated: for the
   machines that sent a state, are `unknown` or have no state yet, and the others once a second (their state is
   already their latest, only `last_signal_at` moves: it is kept to the second, the silence is minutes).
"""

import datetime
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.audit import record_changes, snapshot
from apps.core.copy_format import ESCAPES, NULL
from apps.core.errors import DomainError
from apps.mes.choices import DowntimeKind, DowntimeSource, MachineState, SignalKind
from apps.mes.models import DowntimeEvent, DowntimeReason, MachineSignalDrop
from apps.mes.signal_contract import SignalRow

UNCLASSIFIED = "UNCLASSIFIED"
MAX_BATCH = 50_000

# the columns of a batch's rows, in COPY's text format (`_Batch.text`)
_COLUMNS = ("company_id, equipment_id, work_center_id, kind, ts, state, reason, good, scrap, operation_id, created_at, "
            "updated_at")
# a batch with a signal already stored: copied (COPY) into this table before one set-based INSERT ... SELECT ...
# ON CONFLICT; emptied at each commit
_INCOMING_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS mes_signal_incoming_rows (
    company_id bigint NOT NULL, equipment_id bigint NOT NULL, work_center_id bigint NOT NULL, kind varchar(5) NOT NULL,
    ts timestamptz NOT NULL, state varchar(10) NOT NULL, reason varchar(40) NOT NULL, good integer NOT NULL,
    scrap integer NOT NULL, operation_id bigint, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
) ON COMMIT DELETE ROWS
"""

# what a foreign key would check, once per batch: the referenced rows exist, and they are locked (KEY SHARE) so
# they cannot be deleted before the batch commits; the operations are those a count of the batch may be booked on;
# and the transaction's time (the rows' created_at, as now() in a statement)
_REFERENCES = """
SELECT array(SELECT id FROM core_company WHERE id = ANY(%(companies)s) FOR KEY SHARE),
       array(SELECT id FROM mes_workcenter WHERE id = ANY(%(work_centers)s) FOR KEY SHARE),
       array(SELECT id FROM mes_equipment WHERE id = ANY(%(equipment)s) FOR KEY SHARE),
       array(SELECT json_build_array(id, work_center_id, actual_start, actual_end)::text FROM mes_operation
              WHERE %(counts)s AND work_center_id = ANY(%(work_centers)s) AND actual_start <= %(last)s
                AND (actual_end IS NULL OR actual_end > %(first)s)
              ORDER BY actual_start DESC, id DESC FOR KEY SHARE),
       now()
"""

# a batch with a signal already stored: only the new ones are stored, and returned to be booked
_INSERT = """
INSERT INTO mes_machinesignal (company_id, equipment_id, work_center_id, kind, ts, state, reason, good, scrap,
                               operation_id, created_at, updated_at)
SELECT company_id, equipment_id, work_center_id, kind, ts, state, reason, good, scrap, operation_id, created_at,
       updated_at
  FROM mes_signal_incoming_rows
    ON CONFLICT (equipment_id, kind, ts) DO NOTHING
RETURNING company_id, equipment_id, work_center_id, operation_id, kind, ts, good, scrap
"""

# the counts of the signals stored, summed per machine, operation and minute, added to the roll-up, and per
# operation to the operations' machine counters (a WITH's INSERT runs whether or not the statement reads it)
_BOOK = """
WITH minutes AS (
    INSERT INTO mes_machinecount (company_id, equipment_id, work_center_id, operation_id, minute, good, scrap,
                                  created_at, updated_at)
    SELECT m.company_id, m.equipment_id, m.work_center_id, m.operation_id, (m.minute || ':00+00')::timestamptz,
           m.good, m.scrap, now(), now()
      FROM unnest(%(companies)s::bigint[], %(machines)s::bigint[], %(centers)s::bigint[], %(operations)s::bigint[],
                  %(minutes)s::text[], %(good)s::integer[], %(scrap)s::integer[])
           AS m(company_id, equipment_id, work_center_id, operation_id, minute, good, scrap)
    ON CONFLICT ON CONSTRAINT mes_count_once_per_minute DO UPDATE
       SET good = mes_machinecount.good + EXCLUDED.good, scrap = mes_machinecount.scrap + EXCLUDED.scrap,
           updated_at = now()
    RETURNING 1
)
UPDATE mes_operation o SET machine_good = o.machine_good + c.good, machine_scrap = o.machine_scrap + c.scrap,
                           updated_at = now()
  FROM unnest(%(booked)s::bigint[], %(booked_good)s::integer[], %(booked_scrap)s::integer[]) AS c(id, good, scrap)
 WHERE o.id = c.id
"""


class _Batch:
    """A batch's rows in COPY's text format (one string: far cheaper than adapting row by row), each count with
    the operation it is booked on (the latest started at its work center by `ts` and not finished by then), and
    its counts summed per machine, operation and minute (`minutes`) and per operation (`booked`)."""

    def __init__(self, rows: list[SignalRow], operations: dict[int, list[tuple]], now: datetime.datetime):
        stamps = f"\t{now.isoformat()}\t{now.isoformat()}\n"
        lines = []
        append = lines.append
        # id(key) → "company\tequipment\twork center\t" (the rows hold their keys while this runs), and back
        prefixes: dict[int, str] = {}
        keys: dict[str, object] = {}
        counts: dict[tuple, list[int]] = {}  # (prefix, operation, minute) → [good, scrap]
        utc = datetime.UTC
        for row in rows:
            key, reason, ts = row.key, row.reason, row.ts
            prefix = prefixes.get(id(key))
            if prefix is None:
                prefix = prefixes[id(key)] = f"{key.company_id}\t{key.equipment_id}\t{key.work_center_id}\t"
                keys[prefix] = key
            if ts.tzinfo is not utc:
                ts = ts.astimezone(utc)
            ts_text = ts.isoformat()
            if reason and not reason.isalnum():
                reason = reason.translate(ESCAPES)
            if row.kind == "count":
                operation, operation_text = None, NULL
                for pk, start, end in operations.get(key.work_center_id, ()):
                    if start <= ts and (end is None or end > ts):
                        operation, operation_text = pk, pk
                        break
                good, scrap = row.good, row.scrap
                minute = (prefix, operation, ts_text[:16])  # the minute (UTC) as text: ts's first 16 characters
                total = counts.get(minute)
                if total is None:
                    counts[minute] = [good, scrap]
                else:
                    total[0] += good
                    total[1] += scrap
                append(f"{prefix}count\t{ts_text}\t{row.state!s}\t{reason}\t{good:d}\t{scrap:d}\t{operation_text}{stamps}")
            else:
                append(f"{prefix}{row.kind!s}\t{ts_text}\t{row.state!s}\t{reason}\t{row.good:d}\t{row.scrap:d}\t\\N{stamps}")
        self.text = "".join(lines)
        self.counts = Counts()
        for (prefix, operation, minute), (good, scrap) in counts.items():
            key = keys[prefix]
            self.counts.add((key.company_id, key.equipment_id, key.work_center_id, operation, minute), good, scrap)


class Counts:
    """Counts to book: summed per (company, machine, work center, operation, minute as UTC text `YYYY-MM-DDTHH:MM`)
    for the roll-up, and per operation for its machine counters."""

    def __init__(self):
        self.minutes: dict[tuple, list[int]] = {}
        self.booked: dict[int, list[int]] = {}  # operation → [good, scrap]

    def add(self, minute: tuple, good: int, scrap: int) -> None:
        total = self.minutes.setdefault(minute, [0, 0])
        total[0] += good
        total[1] += scrap
        if minute[3] is not None:
            booked = self.booked.setdefault(minute[3], [0, 0])
            booked[0] += good
            booked[1] += scrap

    def book(self, cursor) -> None:
        """Add them to the roll-up and to the operations, in one statement."""
        if not self.minutes:
            return
        minutes, booked = self.minutes, self.booked
        operations = sorted(booked)
        cursor.execute(_BOOK, {
            "companies": _array([k[0] for k in minutes]), "machines": _array([k[1] for k in minutes]),
            "centers": _array([k[2] for k in minutes]), "operations": _array([k[3] for k in minutes]),
            "minutes": _array([k[4] for k in minutes]), "good": _array([v[0] for v in minutes.values()]),
            "scrap": _array([v[1] for v in minutes.values()]), "booked": _array(operations),
            "booked_good": _array([booked[k][0] for k in operations]),
            "booked_scrap": _array([booked[k][1] for k in operations])})


def _copy_new(cursor, batch: _Batch) -> bool:
    """Store a batch of new signals by one COPY into mes_machinesignal, in a savepoint: False (and nothing
    stored) when one of them is already stored (the unique (equipment, kind, ts) refuses it)."""
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY mes_machinesignal ({_COLUMNS}) FROM STDIN") as copy:
                copy.write(batch.text)
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != "23505":  # unique_violation
            raise
        return False
    batch.counts.book(cursor)
    return True


def _array(values: list) -> str:
    """An array of numbers (None: NULL) or of texts without quotes, commas, braces or spaces (minutes), as one
    literal: psycopg quotes a list's elements one by one in Python."""
    return "{" + ",".join(["NULL" if value is None else str(value) for value in values]) + "}"


def _insert_new(cursor, batch: _Batch) -> tuple[int, list]:
    """Store the signals of a batch not stored yet and book their counts (the batch has one already stored):
    returns how many were new and (machine, ts, company, work center) of the new states."""
    cursor.execute(_INCOMING_TABLE)
    cursor.execute("DELETE FROM mes_signal_incoming_rows")  # an earlier batch of this transaction
    with connection.wrap_database_errors, cursor.cursor.copy(
            f"COPY mes_signal_incoming_rows ({_COLUMNS}) FROM STDIN") as copy:
        copy.write(batch.text)
    cursor.execute(_INSERT)
    stored = cursor.fetchall()
    counts, states, utc = Counts(), [], datetime.UTC
    for company_id, machine, work_center_id, operation, kind, ts, good, scrap in stored:
        if kind == SignalKind.COUNT:
            counts.add((company_id, machine, work_center_id, operation, ts.astimezone(utc).isoformat()[:16]),
                       good, scrap)
        else:
            states.append((machine, ts, company_id, work_center_id))
    counts.book(cursor)
    return len(stored), states


def _check_references(cursor, rows: list[SignalRow]) -> tuple[dict[int, list[tuple]], datetime.datetime]:
    """Lock the companies, work centers and machines the rows name (KEY SHARE: what their foreign keys would do)
    and the operations their counts may be booked on; a reference that no longer exists refuses the batch
    (IntegrityError, as a foreign key would). Returns work center → its operations (id, start, end), latest
    started first, and the transaction's time."""
    companies, work_centers, machines = set(), set(), set()
    first = last = rows[0].ts
    counts = False
    for row in rows:
        key = row.key
        companies.add(key.company_id)
        work_centers.add(key.work_center_id)
        machines.add(key.equipment_id)
        if row.kind == SignalKind.COUNT:
            counts = True
            first, last = min(first, row.ts), max(last, row.ts)
    cursor.execute(_REFERENCES, {"companies": sorted(companies), "work_centers": sorted(work_centers),
                                 "equipment": sorted(machines), "counts": counts, "first": first, "last": last})
    found_companies, found_centers, found_machines, found_operations, now = cursor.fetchone()
    for name, wanted, found in (("company", companies, found_companies), ("work center", work_centers, found_centers),
                                ("equipment", machines, found_machines)):
        missing = wanted - set(found)
        if missing:
            raise IntegrityError(f"machine signals name a {name} that does not exist: {sorted(missing)[:5]}")
    operations: dict[int, list[tuple]] = defaultdict(list)
    for text in found_operations:
        pk, work_center_id, start, end = json.loads(text)
        operations[work_center_id].append((pk, datetime.datetime.fromisoformat(start),
                                           datetime.datetime.fromisoformat(end) if end else None))
    return operations, now


# the latest state (by ts) of each machine heard from, and its work center's status from its machines': a machine
# that sent no state in the batch, has one and was heard from within the last second is left as it is (its state
# is still its latest)
_CURRENT = """
WITH heard(eq, stated) AS (SELECT * FROM unnest(%(equipment)s::bigint[], %(stated)s::boolean[])),
latest AS (
    SELECT h.eq, s.state, s.reason, s.ts FROM heard h
      JOIN mes_equipment m ON m.id = h.eq
      LEFT JOIN LATERAL (SELECT state, reason, ts FROM mes_machinesignal
                          WHERE equipment_id = h.eq AND kind = 'state' ORDER BY ts DESC LIMIT 1) s ON true
     WHERE h.stated OR m.machine_state IN ('', 'unknown') OR m.last_signal_at IS NULL
        OR m.last_signal_at < now() - interval '1 second'
), machines AS (
    UPDATE mes_equipment e
       SET machine_state = coalesce(l.state, CASE WHEN e.machine_state = 'unknown' THEN '' ELSE e.machine_state END),
           state_reason = coalesce(l.reason, e.state_reason), state_since = coalesce(l.ts, e.state_since),
           last_signal_at = now()
      FROM latest l WHERE e.id = l.eq
    RETURNING e.work_center_id
)
SELECT DISTINCT work_center_id FROM machines
"""

_WORK_CENTER_STATUS = """
UPDATE mes_workcenter w SET status = x.status, updated_at = now()
  FROM (SELECT work_center_id,
               CASE WHEN bool_or(machine_state = 'down') THEN 'down'
                    WHEN bool_or(machine_state = 'running') THEN 'running'
                    WHEN bool_or(machine_state = 'unknown') THEN 'unknown'
                    ELSE 'idle' END AS status
          FROM mes_equipment WHERE work_center_id = ANY(%s) AND machine_state <> '' GROUP BY 1) x
 WHERE w.id = x.work_center_id AND w.status <> x.status
"""


@dataclass
class IngestResult:
    """What a batch did: signals stored, duplicates ignored, downtime events opened/closed/changed."""

    stored: int = 0
    duplicates: int = 0
    downtime_changes: int = 0
    work_centers: set[int] = field(default_factory=set)


@transaction.atomic
def signals_ingest(*, company, rows: list[SignalRow], actor) -> IngestResult:
    """Store a batch of signals that passed the contract and apply their effects (see the module docstring).

    `company`: the company every row must belong to (the bulk API), or None for a gateway whose rows were
    resolved from their topics. Signals already stored are ignored, so a batch may be given twice."""
    if len(rows) > MAX_BATCH:
        raise DomainError(None, f"At most {MAX_BATCH} signals at a time.", code="too_many")
    if company is not None:
        for index, row in enumerate(rows):
            if row.key.company_id != company.pk:
                raise DomainError(f"{index}.equipment", "The equipment belongs to another company.")
    result = IngestResult()
    if not rows:
        return result
    with connection.cursor() as cursor:
        operations, now = _check_references(cursor, rows)
        batch = _Batch(rows, operations, now)
        if _copy_new(cursor, batch):
            stored = len(rows)
            new_states = [(row.key.equipment_id, row.ts, row.key.company_id, row.key.work_center_id)
                          for row in rows if row.kind == SignalKind.STATE]
        else:
            stored, new_states = _insert_new(cursor, batch)
        _keep_counters(cursor, rows)
    result.stored, result.duplicates = stored, len(rows) - stored
    if new_states:
        earliest: dict[int, datetime.datetime] = {}
        owners: dict[int, tuple[int, int]] = {}
        for machine, ts, company_id, work_center_id in new_states:
            if machine not in earliest or ts < earliest[machine]:
                earliest[machine] = ts
            owners[machine] = (company_id, work_center_id)
        result.downtime_changes = machine_downtime_apply(earliest=earliest, owners=owners, actor=actor)
    heard: dict[int, bool] = {}  # machine → whether it sent a state
    for row in rows:
        if row.kind == SignalKind.STATE or row.key.equipment_id not in heard:
            heard[row.key.equipment_id] = row.kind == SignalKind.STATE
    machines = sorted(heard)
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT, {"equipment": machines, "stated": [heard[m] for m in machines]})
        result.work_centers = {r[0] for r in cursor.fetchall()}
        if result.work_centers:
            cursor.execute(_WORK_CENTER_STATUS, [sorted(result.work_centers)])
    return result


def _keep_counters(cursor, rows: list[SignalRow]) -> None:
    """Store the OPC UA counters the batch's count signals bring their equipment to, in the signals' transaction:
    the gateway's baseline after a restart, so parts made while it was down are counted once."""
    latest = {row.key.equipment_id: row.counters for row in rows if row.counters is not None}  # the last one wins
    if latest:
        cursor.execute("UPDATE mes_equipment e SET opcua_counters = c.counters "
                       "FROM unnest(%s::bigint[], %s::jsonb[]) AS c(id, counters) WHERE e.id = c.id",
                       [list(latest), [json.dumps(counters) for counters in latest.values()]])


def _reason_map(company_ids: set[int]) -> dict[int, dict[str, int]]:
    """company → machine code → downtime reason id (the reason's machine code, else its own code)."""
    mapping: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, company_id, code, machine_code in DowntimeReason.objects.filter(
            company_id__in=company_ids, is_active=True).values_list("id", "company_id", "code", "machine_code"):
        mapping[company_id].setdefault(code.upper(), pk)
        if machine_code:
            mapping[company_id][machine_code.upper()] = pk
    return mapping


def unclassified_reason(company_id: int) -> int:
    """The company's 'unclassified' downtime reason (created once): machines' stops whose code is not mapped."""
    reason, _ = DowntimeReason.objects.get_or_create(
        company_id=company_id, code=UNCLASSIFIED,
        defaults={"name": "Unclassified machine stop", "kind": DowntimeKind.UNPLANNED})
    return reason.pk


def _desired_events(signals: list[tuple]) -> list[dict]:
    """Downtime periods from one machine's state signals in ts order, starting outside a downtime: a `down`
    opens one, the next `running` closes it (`idle` does not), a `down` with another reason code starts the
    next period."""
    events, current = [], None
    for ts, state, reason in signals:
        if state == MachineState.DOWN:
            if current is not None and current["machine_reason"] != reason:
                current["end"] = ts
                current = None
            if current is None:
                current = {"start": ts, "end": None, "machine_reason": reason}
                events.append(current)
        elif state == MachineState.RUNNING and current is not None:
            current["end"] = ts
            current = None
    return events


def machine_downtime_apply(*, earliest: dict[int, datetime.datetime], owners: dict[int, tuple[int, int]],
                           actor) -> int:
    """Recompute the machine downtime of each machine from its state signals since `earliest[machine]` (from
    the start of the downtime open at that time, if any): create, close, re-time or remove events so they match
    the signals. A supervisor's classification (another reason) is kept while the machine's code is the same.
    Returns the number of events created, changed or removed."""
    machines = sorted(earliest)
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT v.eq, coalesce((SELECT d.start FROM mes_downtimeevent d WHERE d.equipment_id = v.eq
                                      AND d.start < v.t0 AND (d."end" IS NULL OR d."end" > v.t0)
                                    ORDER BY d.start DESC LIMIT 1), v.t0)
              FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(eq, t0)""",
                       [machines, [earliest[m] for m in machines]])
        anchors = dict(cursor.fetchall())
        window = [machines, [anchors[m] for m in machines]]
        cursor.execute("""
            SELECT s.equipment_id, s.ts, s.state, s.reason FROM mes_machinesignal s
              JOIN unnest(%s::bigint[], %s::timestamptz[]) AS v(eq, a) ON s.equipment_id = v.eq AND s.ts >= v.a
             WHERE s.kind = 'state' ORDER BY s.equipment_id, s.ts""", window)
        signals: dict[int, list[tuple]] = defaultdict(list)
        for eq, ts, state, reason in cursor.fetchall():
            signals[eq].append((ts, state, reason))
    existing: dict[int, dict[datetime.datetime, DowntimeEvent]] = defaultdict(dict)
    for event in DowntimeEvent.objects.raw("""
            SELECT d.* FROM mes_downtimeevent d
              JOIN unnest(%s::bigint[], %s::timestamptz[]) AS v(eq, a) ON d.equipment_id = v.eq AND d.start >= v.a
             FOR UPDATE OF d""", window):
        existing[event.equipment_id][event.start] = event
    reasons = _reason_map({owners[m][0] for m in machines})
    unclassified: dict[int, int] = {}
    created, changed, removed = [], [], []
    for machine in machines:
        company_id, work_center_id = owners[machine]
        have = existing[machine]
        for wanted in _desired_events(signals[machine]):
            reason_id = reasons[company_id].get(wanted["machine_reason"].upper())
            if reason_id is None:
                if company_id not in unclassified:
                    unclassified[company_id] = unclassified_reason(company_id)
                reason_id = unclassified[company_id]
            event = have.pop(wanted["start"], None)
            if event is None:
                created.append(DowntimeEvent(
                    company_id=company_id, work_center_id=work_center_id, equipment_id=machine, reason_id=reason_id,
                    start=wanted["start"], end=wanted["end"], machine_reason=wanted["machine_reason"],
                    source=DowntimeSource.MACHINE))
                continue
            before = snapshot(event)
            if event.machine_reason != wanted["machine_reason"]:
                event.machine_reason, event.reason_id = wanted["machine_reason"], reason_id
            event.end = wanted["end"]
            if snapshot(event) != before:
                changed.append((event, before))
        removed += have.values()  # a late `running` or `down` moved or merged these periods
    now = timezone.now()
    if created:
        DowntimeEvent.objects.bulk_create(created)
    if changed:
        for event, _ in changed:
            event.updated_at = now
        with connection.cursor() as cursor:  # one UPDATE from arrays (bulk_update builds a CASE per row and field)
            cursor.execute("""
                UPDATE mes_downtimeevent d SET "end" = v.end_at, machine_reason = v.machine_reason,
                                               reason_id = v.reason_id, updated_at = %s
                  FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::bigint[])
                       AS v(id, end_at, machine_reason, reason_id)
                 WHERE d.id = v.id""", [now, [e.pk for e, _ in changed], [e.end for e, _ in changed],
                                        [e.machine_reason for e, _ in changed], [e.reason_id for e, _ in changed]])
    if removed:
        DowntimeEvent.objects.filter(pk__in=[e.pk for e in removed]).delete()
    _audit(actor, [(e, "create", None, snapshot(e)) for e in created]
           + [(e, "update", before, snapshot(e)) for e, before in changed]
           + [(e, "delete", snapshot(e), None) for e in removed])
    return len(created) + len(changed) + len(removed)


def _audit(actor, changes: list[tuple]) -> None:
    """The audit rows of machine downtime changes, written at once (`record_changes`: one COPY, without a query
    per event for its description, nor a model instance per row)."""
    record_changes(DowntimeEvent, [
        (event.company_id, event.pk, f"machine {event.equipment_id} down from {event.start:%Y-%m-%d %H:%M:%S} "
                                     f"({event.machine_reason})", action, before, after)
        for event, action, before, after in changes], actor=actor)


@transaction.atomic
def signal_drops_record(*, drops: Counter, details: dict | None = None) -> None:
    """Add dropped signals to the day's counters: `drops[(company id or None, reason)] = how many`."""
    if not drops:
        return
    today = timezone.now().date()
    details = details or {}
    with connection.cursor() as cursor:
        for (company_id, reason), count in sorted(drops.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
            cursor.execute("""
                INSERT INTO mes_machinesignaldrop (company_id, day, reason, count, last_detail, updated_at)
                VALUES (%s, %s, %s, %s, %s, now())
                ON CONFLICT ON CONSTRAINT mes_signaldrop_once DO UPDATE
                   SET count = mes_machinesignaldrop.count + EXCLUDED.count,
                       last_detail = EXCLUDED.last_detail, updated_at = now()""",
                           [company_id, today, reason, count, (details.get((company_id, reason)) or "")[:300]])


def signal_drop_counts(*, company_id: int, since: datetime.date) -> list[dict]:
    """The drops of a company since a day, per reason (the flow monitor's counters)."""
    rows = (MachineSignalDrop.objects.filter(company_id=company_id, day__gte=since).values("reason")
            .annotate(total=Sum("count")).order_by("reason"))
    return list(rows)


@transaction.atomic
def machines_mark_silent(*, now: datetime.datetime | None = None, actor=None) -> int:
    """Turn machines silent for longer than MES_MACHINE_SILENCE_SECONDS `unknown` (and their work centers,
    unless another machine there still talks). Returns how many machines changed."""
    now = now or timezone.now()
    silence = datetime.timedelta(seconds=settings.MES_MACHINE_SILENCE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE mes_equipment SET machine_state = 'unknown', state_reason = '', state_since = last_signal_at + %s
             WHERE last_signal_at < %s AND machine_state NOT IN ('', 'unknown') RETURNING work_center_id""",
                       [silence, now - silence])
        silent = [r[0] for r in cursor.fetchall()]
        if silent:
            cursor.execute(_WORK_CENTER_STATUS, [sorted(set(silent))])
    return len(silent)


@dataclass
class RollUpResult:
    """What a retention run removed: raw count signals (kept per minute in MachineCount) and state signals
    beyond the last of each machine and minute."""

    counts_purged: int = 0
    states_rolled_up: int = 0


@transaction.atomic
def signals_roll_up(*, now: datetime.datetime | None = None, batch: int = 50_000) -> RollUpResult:
    """Retention: raw signals older than MES_SIGNAL_RETENTION_DAYS are rolled up to per-minute rows and purged.
    Counts already have their per-minute row (written at ingest), so their raw rows go; states keep the last
    signal of each machine and minute. At most `batch` rows of each kind per run (the hourly task repeats)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.MES_SIGNAL_RETENTION_DAYS)
    result = RollUpResult()
    with connection.cursor() as cursor:
        cursor.execute("""
            DELETE FROM mes_machinesignal WHERE id IN (
                SELECT id FROM mes_machinesignal WHERE kind = 'count' AND ts < %s LIMIT %s)""", [cutoff, batch])
        result.counts_purged = cursor.rowcount
        cursor.execute("""
            DELETE FROM mes_machinesignal WHERE id IN (
                SELECT id FROM (
                    SELECT id, row_number() OVER (PARTITION BY equipment_id, date_trunc('minute', ts)
                                                  ORDER BY ts DESC) AS n
                      FROM mes_machinesignal WHERE kind = 'state' AND ts < %s) s
                 WHERE n > 1 LIMIT %s)""", [cutoff, batch])
        result.states_rolled_up = cursor.rowcount
    return result
