"""The stock ledger's writes: posting moves (set-based), lots, reservations, cycle counts.

One lock order for the whole suite (ARCHITECTURE.md, section 4), so that two transactions never wait
for each other in a circle (PostgreSQL would break the circle by failing one of them):

1. the rows of the documents the service works on: the order, shipment, work order, count or move it
   was called for, then that document's reservations (by id);
2. the document numbers it draws (`apps.core.numbering.next_number`): a backorder's number is drawn
   before any stock is locked, never after;
3. the item valuations (`ItemValuation`), by item id: every item whose stock the transaction touches,
   all of them before any quant;
4. the quants (`StockQuant`), by (item, location, lot), untracked stock first.

`lock_stock(company=..., reservations=..., items=..., quant_keys=...)` takes steps 1 (reservations), 3
and 4 in that order. A service that touches several items calls it once, before its first reservation
or move; the locks each reservation or posting takes afterwards are then rows it already holds. A
single reservation, release or posting locks its item's valuation before its quant, so no quant is
ever locked by a transaction that does not hold its item's valuation: quant locks cannot close a
circle, and valuations are always taken in item order.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.workflow import step, take_step, transition
from apps.plm.choices import Tracking
from apps.plm.models import Item
from apps.scm.choices import CycleCountStatus, LocationKind, MoveStatus, ReservationStatus
from apps.scm.events import (
    STOCK_ADJUSTED,
    STOCK_MOVED,
    STOCK_RELEASED,
    changes_stock_value,
    makes_stock_available,
    stock_moved_payload,
)
from apps.scm.models import CycleCount, CycleCountLine, Location, Lot, Reservation, StockMove, StockQuant
from apps.scm.services.locations import virtual_location

ZERO = Decimal(0)
CENT = Decimal("0.01")
COST_PLACES = Decimal("0.000001")
QTY_PLACES = Decimal("0.0001")


@dataclass
class MoveSpec:
    """One move to post: `quantity` (in the item's unit) of `item` from → to, optionally a lot and a cost."""

    item: Item
    quantity: Decimal
    from_location: Location
    to_location: Location
    lot: Lot | None = None
    unit_cost: Decimal | None = None
    reference: str = ""
    source: models.Model | None = None
    reason: str = ""


def _source_ref(source) -> tuple[str, str]:
    if source is None:
        return "", ""
    return source._meta.label_lower, str(source.pk)


def _quantity(value, field: str) -> Decimal:
    try:
        quantity = Decimal(value)
    except Exception as exc:
        raise DomainError(field, "Enter a number.") from exc
    if not quantity.is_finite() or quantity <= 0:
        raise DomainError(field, "The quantity must be greater than zero.", code="not_positive")
    if quantity != quantity.quantize(QTY_PLACES):
        raise DomainError(field, "At most 4 decimal places.", code="too_precise")
    return quantity


def _validate(company, spec: MoveSpec, prefix: str) -> Decimal:
    quantity = _quantity(spec.quantity, f"{prefix}quantity")
    item = spec.item
    require_same_company(company, **{f"{prefix}item": item, f"{prefix}from_location": spec.from_location,
                                     f"{prefix}to_location": spec.to_location})
    if spec.from_location.pk == spec.to_location.pk:
        raise DomainError(f"{prefix}to_location", "The destination must differ from the source location.")
    lot = spec.lot
    if item.tracking == Tracking.NONE:
        if lot is not None:
            raise DomainError(f"{prefix}lot", f"Item {item.number} is not tracked by lot or serial.")
    else:
        if lot is None:
            raise DomainError(f"{prefix}lot", f"Item {item.number} is tracked by {item.tracking}: a "
                              f"{'serial number' if item.tracking == Tracking.SERIAL else 'lot'} is required.",
                              code="required")
        if lot.item_id != item.pk:
            raise DomainError(f"{prefix}lot", f"Lot {lot.code} belongs to another item.")
        if item.tracking == Tracking.SERIAL and quantity != 1:
            raise DomainError(f"{prefix}quantity", "A serial-tracked item moves one unit per serial number.")
    if spec.unit_cost is not None and Decimal(spec.unit_cost) < 0:
        raise DomainError(f"{prefix}unit_cost", "The unit cost cannot be negative.")
    return quantity


def _array(values) -> str:
    """A PostgreSQL array literal of numbers/None, passed as one text parameter (cast in the SQL): much
    cheaper than adapting a Python list element by element with client-side binding."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


@dataclass
class _Valuation:
    pk: int
    average_cost: Decimal
    quantity: Decimal
    value: Decimal


def _lock_valuations(company, item_ids: list[int]) -> dict[int, _Valuation]:
    """Create missing valuation rows and lock all of them in item order, in one statement.

    A large batch locks existing rows with `DO UPDATE ... WHERE false` (locked, not written) and reads them
    with a second statement: the posting then writes each row once instead of twice (a write of a row also
    writes all of its indexes). A small one saves that round trip: its extra row writes are cheap."""
    insert = ("INSERT INTO scm_itemvaluation (company_id, item_id, average_cost, quantity, value, created_at,"
              " updated_at) SELECT %s, i, 0, 0, 0, now(), now() FROM unnest(%s::bigint[]) AS i ORDER BY i"
              " ON CONFLICT (company_id, item_id) DO UPDATE SET updated_at = EXCLUDED.updated_at")
    with connection.cursor() as cursor:
        if len(item_ids) < COPY_FROM:
            cursor.execute(insert + " RETURNING id, item_id, average_cost, quantity, value",
                           [company.pk, _array(item_ids)])
        else:
            cursor.execute(insert + " WHERE false", [company.pk, _array(item_ids)])
            cursor.execute(
                "SELECT id, item_id, average_cost, quantity, value FROM scm_itemvaluation"
                " WHERE company_id = %s AND item_id = ANY(%s::bigint[])",
                [company.pk, _array(item_ids)],
            )
        return {r[1]: _Valuation(r[0], r[2], r[3], r[4]) for r in cursor.fetchall()}


def _lock_quants(keys: list[tuple[int, int, int | None]]) -> dict[tuple, tuple[int, Decimal, Decimal]]:
    """Lock the existing quants of `keys` (sorted by (item, location, lot), no lot first) in that order:
    {key: (id, on_hand, reserved)}."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        # One index lookup per key, in the keys' (sorted) order, which is the order the rows are locked in:
        # a join would scan and hash all quants, a cost that grows with the table rather than the batch.
        cursor.execute(
            "SELECT q.id, q.item_id, q.location_id, q.lot_id, q.on_hand, q.reserved"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) WITH ORDINALITY AS k(item_id, location_id,"
            " lot_id, ord) CROSS JOIN LATERAL (SELECT * FROM scm_stockquant q WHERE q.item_id = k.item_id"
            " AND q.location_id = k.location_id AND q.lot_id IS NOT DISTINCT FROM k.lot_id FOR UPDATE) q"
            " ORDER BY k.ord",
            [_array(k[0] for k in keys), _array(k[1] for k in keys), _array(k[2] for k in keys)],
        )
        return {(r[1], r[2], r[3]): (r[0], r[4], r[5]) for r in cursor.fetchall()}


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def lock_stock(*, company, reservations=(), items=(), quant_keys=()) -> None:
    """Lock, in the suite's order (module docstring), what a stock service is about to change.

    `reservations`: Reservations (or ids), locked by id; `items`: Items (or ids) whose valuation rows are
    locked by item id (created when missing); `quant_keys`: (item, location, lot) triples of existing quants
    (lot None: untracked stock) or (item, location) pairs for every lot of the item there, locked by
    (item, location, lot) after all valuations. The items of the reservations and quant keys are included.
    """
    reservation_ids = sorted({_pk(r) for r in reservations})
    item_ids = {_pk(i) for i in items}
    if reservation_ids:
        locked = list(Reservation.objects.select_for_update().filter(pk__in=reservation_ids).order_by("pk")
                      .values_list("item_id", flat=True))
        item_ids.update(locked)
    exact, anywhere = set(), set()
    for key in quant_keys:
        item_id, location_id = _pk(key[0]), _pk(key[1])
        item_ids.add(item_id)
        if len(key) == 2:
            anywhere.add((item_id, location_id))
        else:
            exact.add((item_id, location_id, _pk(key[2])))
    if item_ids:
        _lock_valuations(company, sorted(item_ids))
    rows = sorted([(i, loc, None, True) for i, loc in anywhere]
                  + [(i, loc, lot, False) for i, loc, lot in exact if (i, loc) not in anywhere],
                  key=lambda k: (k[0], k[1], k[2] or 0))
    if not rows:
        return
    with connection.cursor() as cursor:
        # one index lookup per key, in the keys' (sorted) order, which is the order the rows are locked in
        cursor.execute(
            "SELECT q.id FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[]) WITH ORDINALITY"
            " AS k(item_id, location_id, lot_id, any_lot, ord) CROSS JOIN LATERAL (SELECT q.id FROM scm_stockquant q"
            " WHERE q.item_id = k.item_id AND q.location_id = k.location_id AND (k.any_lot OR q.lot_id IS NOT"
            " DISTINCT FROM k.lot_id) ORDER BY q.lot_id NULLS FIRST FOR UPDATE) q ORDER BY k.ord",
            [_array(r[0] for r in rows), _array(r[1] for r in rows), _array(r[2] for r in rows),
             "{" + ",".join("true" if r[3] else "false" for r in rows) + "}"],
        )


def _apply(company, specs: list[MoveSpec], quantities: list[Decimal], *, prefix_of, now,
           releases: dict[int, Decimal] | None = None) -> tuple[list[tuple[Decimal, Decimal]], list[tuple]]:
    """Lock and check quants and valuation for done moves; returns (unit_cost, value) per move and the
    writes of quants and valuation as (data-modifying CTE, params), run with the moves' insert.

    `releases` maps a move's index to reserved quantity it consumes (its reservation's share).
    """
    releases = releases or {}
    items = sorted({s.item.pk for s in specs})
    valuations = _lock_valuations(company, items)

    delta: dict[tuple, Decimal] = defaultdict(Decimal)
    release: dict[tuple, Decimal] = defaultdict(Decimal)
    first_use: dict[tuple, int] = {}
    for index, (spec, quantity) in enumerate(zip(specs, quantities, strict=True)):
        lot_id = spec.lot.pk if spec.lot else None
        if spec.from_location.is_internal:
            key = (spec.item.pk, spec.from_location.pk, lot_id)
            delta[key] -= quantity
            release[key] += releases.get(index, ZERO)
            first_use.setdefault(key, index)
        if spec.to_location.is_internal:
            key = (spec.item.pk, spec.to_location.pk, lot_id)
            delta[key] += quantity
            first_use.setdefault(key, index)
    keys = sorted(delta, key=lambda k: (k[0], k[1], k[2] or 0))
    existing = _lock_quants(keys)

    updates, inserts = [], []
    for key in keys:
        change, freed = delta[key], release[key]
        quant = existing.get(key)
        on_hand, reserved = (quant[1], quant[2]) if quant else (ZERO, ZERO)
        if on_hand + change < reserved - freed or on_hand + change < 0:
            available = max(on_hand - reserved + freed, ZERO)
            index = first_use[key]
            spec = specs[index]
            lot = f" lot {spec.lot.code}" if spec.lot else ""
            raise ConflictError(
                f"{prefix_of(index)}quantity",
                f"Not enough stock of {spec.item.number}{lot} at {spec.from_location.code}: "
                f"{available.normalize():f} available, {(-change + ZERO).normalize():f} requested.",
                code="insufficient_stock", extra={"available": str(available)},
            )
        if quant:
            updates.append((quant[0], change, freed))
        elif change != 0:
            inserts.append((*key, change))

    writes = []
    if updates:
        writes.append((
            "UPDATE scm_stockquant q SET on_hand = q.on_hand + u.change, reserved = q.reserved - u.freed,"
            " updated_at = %s FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS u(id, change, freed)"
            " WHERE q.id = u.id AND q.id = ANY(%s::bigint[])",  # by primary key, not a scan of all quants
            [now, _array(u[0] for u in updates), _array(u[1] for u in updates), _array(u[2] for u in updates),
             _array(u[0] for u in updates)],
        ))
    if inserts:
        writes.append((
            "INSERT INTO scm_stockquant (company_id, item_id, location_id, lot_id, on_hand, reserved,"
            " created_at, updated_at) SELECT %s, k.item_id, k.location_id, k.lot_id, k.change, 0, %s, %s"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[])"
            " AS k(item_id, location_id, lot_id, change)"
            " ON CONFLICT ON CONSTRAINT scm_quant_unique DO UPDATE"
            " SET on_hand = scm_stockquant.on_hand + EXCLUDED.on_hand, updated_at = EXCLUDED.updated_at",
            [company.pk, now, now, _array(i[0] for i in inserts), _array(i[1] for i in inserts),
             _array(i[2] for i in inserts), _array(i[3] for i in inserts)],
        ))
    costs, valuation_write = _value(specs, quantities, valuations, now)
    if valuation_write:
        writes.append(valuation_write)
    return costs, writes


def _with_writes(writes) -> tuple[str, list]:
    """`WITH w0 AS (<write>), ...` prefix and its params for the writes returned by `_apply`."""
    if not writes:
        return "", []
    ctes = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate(writes))
    return f"WITH {ctes} ", [p for _, params in writes for p in params]


def _run_writes(writes) -> None:
    if writes:
        prefix, params = _with_writes(writes)
        with connection.cursor() as cursor:
            cursor.execute(prefix + "SELECT 1", params)


def _check_serials(specs: list[MoveSpec], prefix_of) -> None:
    serials = {s.lot.pk: i for i, s in enumerate(specs) if s.lot is not None and s.lot.is_serial
               and s.to_location.is_internal}
    if not serials:
        return
    duplicated = (StockQuant.objects.filter(lot_id__in=list(serials)).values("lot_id")
                  .annotate(total=models.Sum("on_hand")).filter(total__gt=1).values_list("lot_id", flat=True))
    for lot_id in duplicated:
        index = serials[lot_id]
        raise ConflictError(f"{prefix_of(index)}lot", f"Serial number {specs[index].lot.code} is already in stock.",
                            code="serial_in_stock")


def _value(specs, quantities, valuations: dict[int, _Valuation], now) -> tuple[list[tuple[Decimal, Decimal]],
                                                                            tuple | None]:
    """Moving average per item: receipts into internal stock at their cost, everything else at average.
    Returns (unit_cost, value) per move and the valuation rows' update (a CTE and its params) or None."""
    result = []
    touched = set()
    for spec, quantity in zip(specs, quantities, strict=True):
        valuation = valuations[spec.item.pk]
        entering = spec.to_location.is_internal and not spec.from_location.is_internal
        leaving = spec.from_location.is_internal and not spec.to_location.is_internal
        if entering:
            cost = Decimal(spec.unit_cost) if spec.unit_cost is not None else (
                valuation.average_cost or spec.item.standard_cost)
            value = (quantity * cost).quantize(CENT)
            valuation.quantity += quantity
            valuation.value += value
            valuation.average_cost = (valuation.value / valuation.quantity).quantize(COST_PLACES) \
                if valuation.quantity > 0 else cost
            touched.add(spec.item.pk)
        elif leaving:
            cost = valuation.average_cost
            valuation.quantity -= quantity
            # the last unit out takes the remaining value, so the books balance to the cent
            value = valuation.value if valuation.quantity == 0 else min((quantity * cost).quantize(CENT),
                                                                        valuation.value)
            valuation.value -= value
            touched.add(spec.item.pk)
        else:
            cost = Decimal(spec.unit_cost) if spec.unit_cost is not None and not spec.from_location.is_internal \
                else valuation.average_cost
            value = (quantity * cost).quantize(CENT)
        result.append((cost.quantize(COST_PLACES), value))
    if not touched:
        return result, None
    rows = [valuations[i] for i in sorted(touched)]
    return result, (
        "UPDATE scm_itemvaluation v SET average_cost = u.cost, quantity = u.quantity, value = u.value,"
        " updated_at = %s FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[])"
        " AS u(id, cost, quantity, value) WHERE v.id = u.id AND v.id = ANY(%s::bigint[])",
        [now, _array(r.pk for r in rows), _array(r.average_cost for r in rows), _array(r.quantity for r in rows),
         _array(r.value for r in rows), _array(r.pk for r in rows)],
    )


_MOVE_COLUMNS = [f.attname for f in StockMove._meta.concrete_fields]  # id first, in table order
COPY_FROM = 20  # batches from this size are written with COPY (a single move: one INSERT is quicker)


def _insert_moves(company, specs, quantities, costs, *, actor, now, writes=()) -> list[StockMove]:
    """Insert the done moves in the order given (ascending ids) and return them as instances, with the
    caller's item/location/lot instances attached so reading them needs no query.

    `writes` (quants, valuation) run as data-modifying CTEs of the same statement: one round trip."""
    user_id = actor.pk if getattr(actor, "pk", None) else None
    rows = []
    for spec, quantity, (cost, value) in zip(specs, quantities, costs, strict=True):
        source_type, source_id = _source_ref(spec.source)
        rows.append({
            "id": None, "created_at": now, "updated_at": now, "company_id": company.pk, "item_id": spec.item.pk,
            "quantity": quantity, "from_location_id": spec.from_location.pk, "to_location_id": spec.to_location.pk,
            "lot_id": spec.lot.pk if spec.lot else None, "unit_cost": cost, "value": value,
            "status": MoveStatus.DONE.value, "reference": spec.reference[:100], "reason": spec.reason[:200],
            "source_type": source_type, "source_id": source_id, "done_at": now, "created_by_id": user_id,
            "reversed_by_id": None,
        })
    columns = _MOVE_COLUMNS[1:]
    prefix, prefix_params = _with_writes(writes)
    with connection.cursor() as cursor:
        if len(rows) >= COPY_FROM:
            cursor.execute(prefix + "SELECT nextval(s) FROM (SELECT pg_get_serial_sequence('scm_stockmove', 'id')"
                           "::regclass) AS q(s), generate_series(1, %s) ORDER BY 1", [*prefix_params, len(rows)])
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                row["id"] = pk
            with cursor.cursor.copy(f"COPY scm_stockmove ({', '.join(_MOVE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in _MOVE_COLUMNS])
        else:
            types = {"company_id": "bigint", "item_id": "bigint", "quantity": "numeric",
                     "from_location_id": "bigint", "to_location_id": "bigint", "lot_id": "bigint",
                     "unit_cost": "numeric", "value": "numeric", "done_at": "timestamptz",
                     "created_by_id": "integer", "created_at": "timestamptz", "updated_at": "timestamptz",
                     "reversed_by_id": "bigint"}
            column_list = ", ".join(columns)
            unnest = ", ".join(f"%s::{types.get(c, 'text')}[]" for c in columns)
            cursor.execute(
                f"{prefix}INSERT INTO scm_stockmove ({column_list}) SELECT {column_list} FROM unnest({unnest})"
                f" WITH ORDINALITY AS m({column_list}, ord) ORDER BY ord RETURNING id",
                [*prefix_params, *[[row[c] for row in rows] for c in columns]],
            )
            for row, pk in zip(rows, sorted(r[0] for r in cursor.fetchall()), strict=True):
                row["id"] = pk
    moves = []
    # Model.__init__ costs ~11 µs a row (descriptors, signals); without init signals the attributes are set
    # directly, as the ORM does when loading rows.
    plain = not (models.signals.pre_init.has_listeners(StockMove) or models.signals.post_init.has_listeners(StockMove))
    for row, spec in zip(rows, specs, strict=True):
        if plain:
            move = StockMove.__new__(StockMove)
            move.__dict__.update(row)
            move._state = models.base.ModelState()
        else:
            move = StockMove(*[row[c] for c in _MOVE_COLUMNS])
        move._state.adding = False
        move._state.db = "default"
        cache = move._state.fields_cache
        cache["item"], cache["from_location"], cache["to_location"], cache["lot"] = (
            spec.item, spec.from_location, spec.to_location, spec.lot)
        moves.append(move)
    return moves


def _post(*, company, moves: list[MoveSpec], actor, prefix_of, releases=None) -> list[StockMove]:
    if not moves:
        raise DomainError("moves", "Nothing to post.")
    quantities = [_validate(company, spec, prefix_of(i)) for i, spec in enumerate(moves)]
    now = timezone.now()
    costs, writes = _apply(company, moves, quantities, prefix_of=prefix_of, now=now, releases=releases)
    posted = _insert_moves(company, moves, quantities, costs, actor=actor, now=now, writes=writes)
    _check_serials(moves, prefix_of)  # after the quants are written (a failure rolls the posting back)
    if len(posted) == 1:
        record_change(posted[0], actor=actor, action="post")
    else:  # one audit record per batch, not per line
        record_change(posted[0], actor=actor, action="post_batch", after={
            "moves": len(posted), "first_id": posted[0].pk, "last_id": posted[-1].pk,
            "references": sorted({m.reference for m in posted})[:20],
            "value": str(sum((m.value for m in posted), ZERO)),
        })
    return posted


@transaction.atomic
def stock_moves_post(*, company, moves: list[MoveSpec], actor, announce: bool = False) -> list[StockMove]:
    """Post a batch of done moves set-based: quants and valuation updated in bulk, one audit record.

    A shortage raises ConflictError naming `moves.<i>.quantity` with `extra["available"]`. A document that
    announces its moves with its own event (receipt, shipment, work order) leaves `announce` off; a batch
    without one (opening stock) sets it: `scm.stock.moved` then carries the value it adds or takes away.
    """
    posted = _post(company=company, moves=moves, actor=actor, prefix_of=lambda i: f"moves.{i}.")
    if announce:
        _emit_moved(company, posted)
    return posted


@transaction.atomic
def stock_move_post(*, company, item, quantity, from_location, to_location, lot=None, unit_cost=None,
                    reference: str = "", source=None, reason: str = "", actor) -> StockMove:
    """Post one done move (a receipt, transfer, issue or adjustment)."""
    spec = MoveSpec(item=item, quantity=quantity, from_location=from_location, to_location=to_location, lot=lot,
                    unit_cost=unit_cost, reference=reference, source=source, reason=reason)
    move = _post(company=company, moves=[spec], actor=actor, prefix_of=lambda i: "")[0]
    _emit_moved(company, [move])
    return move


def _emit_moved(company, moves: list[StockMove]) -> None:
    """`scm.stock.moved` for single moves that change the value of internal stock: the documents that post moves
    in batches (receipts, shipments, work orders, cycle counts) announce theirs with their own events.
    `scm.stock.released` for those that make stock reservable where it was not (out of quality hold, into another
    warehouse), so that SCM can top up the shipments short of it."""
    valued = [move for move in moves if changes_stock_value(move)]
    if valued:
        emit(STOCK_MOVED, company=company, subject=valued[0], payload=stock_moved_payload(valued))
    released = [move for move in moves if makes_stock_available(move)]
    if released:
        emit(STOCK_RELEASED, company=company, subject=released[0], payload=stock_moved_payload(released))


@transaction.atomic
def stock_move_create_draft(*, company, item, quantity, from_location, to_location, lot=None, unit_cost=None,
                            reference: str = "", source=None, reason: str = "", actor) -> StockMove:
    """Record a planned move (draft): no stock changes until it is posted."""
    spec = MoveSpec(item=item, quantity=quantity, from_location=from_location, to_location=to_location, lot=lot,
                    unit_cost=unit_cost, reference=reference, source=source, reason=reason)
    quantity = _validate(company, spec, "")
    source_type, source_id = _source_ref(source)
    move = StockMove.objects.create(
        company=company, item=item, quantity=quantity, from_location=from_location, to_location=to_location,
        lot=lot, unit_cost=unit_cost, reference=reference, reason=reason, source_type=source_type,
        source_id=source_id, status=MoveStatus.DRAFT, created_by=actor if getattr(actor, "pk", None) else None)
    record_change(move, actor=actor, action="create")
    return move


def _lock_move(move: StockMove) -> StockMove:
    return StockMove.objects.select_for_update(of=("self",)).select_related(
        "company", "item", "from_location", "to_location", "lot").get(pk=move.pk)


@transaction.atomic
def stock_move_confirm(*, move: StockMove, actor) -> StockMove:
    """Post a draft move: it becomes done and changes the stock."""
    with step(move, verb="post", actor=actor, lock=_lock_move, fields=["unit_cost", "value", "done_at"]) as move:
        spec = MoveSpec(item=move.item, quantity=move.quantity, from_location=move.from_location,
                        to_location=move.to_location, lot=move.lot, unit_cost=move.unit_cost)
        quantity = _validate(move.company, spec, "")
        move.done_at = timezone.now()
        [(move.unit_cost, move.value)], writes = _apply(move.company, [spec], [quantity], prefix_of=lambda i: "",
                                                        now=move.done_at)
        _run_writes(writes)
        _check_serials([spec], lambda i: "")
        _emit_moved(move.company, [move])
    return move


@transaction.atomic
def stock_move_cancel(*, move: StockMove, actor) -> StockMove:
    """Cancel a draft move (done moves are never cancelled: reverse them)."""
    return take_step(move, verb="cancel", actor=actor, fields=[])


@transaction.atomic
def stock_move_reverse(*, move: StockMove, actor, reason: str = "") -> StockMove:
    """Correct a done move, once, with a new move the other way at the original cost; returns the reversal.

    A second reversal, or reversing a reversal, answers 409 naming the move that already corrected it. The
    move's row is locked first, so of two concurrent reversals exactly one writes a move."""
    move = _lock_move(move)
    before = snapshot(move)
    transition(move, verb="reverse")  # 409 with the reason: not done, already reversed, or itself a reversal
    reversal = stock_move_post(company=move.company, item=move.item, quantity=move.quantity,
                               from_location=move.to_location, to_location=move.from_location, lot=move.lot,
                               unit_cost=move.unit_cost, reference=f"Reversal of move {move.pk}", source=move,
                               reason=reason or "Reversal", actor=actor)
    # the row lock makes this the only writer; the condition keeps the database from ever recording two
    if not StockMove.objects.filter(pk=move.pk, reversed_by__isnull=True).update(reversed_by=reversal,
                                                                                 updated_at=timezone.now()):
        raise ConflictError("status", f"Move #{move.pk} was reversed meanwhile.", code="already_reversed")
    move.reversed_by = reversal
    record_change(move, actor=actor, action="reverse", before=before)
    return reversal


@transaction.atomic
def lot_get_or_create(*, company, item, code: str, expires_on=None, actor=None) -> Lot:
    """The item's lot (or serial number) `code`, created on first receipt; a missing expiry date is filled in."""
    code = (code or "").strip()
    if not code:
        raise DomainError("lot", "Enter a lot or serial number.", code="required")
    require_same_company(company, item=item)
    if item.tracking == Tracking.NONE:
        raise DomainError("lot", f"Item {item.number} is not tracked by lot or serial.")
    lot, created = Lot.objects.get_or_create(
        item=item, code=code,
        defaults={"company": company, "expires_on": expires_on, "is_serial": item.tracking == Tracking.SERIAL},
    )
    if created:
        record_change(lot, actor=actor, action="create")
    elif expires_on and lot.expires_on is None:
        before = snapshot(lot)
        lot.expires_on = expires_on
        lot.save(update_fields=["expires_on", "updated_at"])
        record_change(lot, actor=actor, action="update", before=before)
    return lot


# ---- reservations -------------------------------------------------------------------------------

def _pick_lot(*, item, location, quantity) -> Lot:
    from apps.scm.selectors import fefo_lots

    picks = fefo_lots(item=item, location=location, quantity=quantity)
    if len(picks) == 1 and picks[0][1] == quantity:
        return picks[0][0]
    if not picks:
        return None
    raise DomainError("lot", f"{quantity.normalize():f} of {item.number} at {location.code} spans several lots: "
                      "reserve per lot (see the FEFO suggestion).", code="spans_lots")


@transaction.atomic
def stock_reserve(*, company, item, location, quantity, lot=None, reference: str = "", source=None,
                  actor) -> Reservation:
    """Hold `quantity` of an item (lot) at a location for a document; 409 with `available` if short."""
    quantity = _quantity(quantity, "quantity")
    require_same_company(company, item=item, location=location)
    if not location.is_internal:
        raise DomainError("location", "Stock can only be reserved at an internal location.")
    if location.is_quality_hold:
        raise ConflictError("location", f"{location.code} is on quality hold: its stock cannot be reserved.",
                            code="quality_hold", extra={"available": "0"})
    if lot is not None and lot.item_id != item.pk:
        raise DomainError("lot", f"Lot {lot.code} belongs to another item.")
    if lot is None and item.tracking != Tracking.NONE:
        lot = _pick_lot(item=item, location=location, quantity=quantity)
    lock_stock(company=company, quant_keys=[(item, location, lot)])
    quant = StockQuant.objects.filter(item=item, location=location, lot=lot).first()
    available = quant.on_hand - quant.reserved if quant else ZERO
    if quantity > available:
        lot_text = f" lot {lot.code}" if lot else ""
        raise ConflictError("quantity", f"Only {available.normalize():f} of {item.number}{lot_text} available at "
                            f"{location.code}; {quantity.normalize():f} requested.", code="insufficient_stock",
                            extra={"available": str(available)})
    StockQuant.objects.filter(pk=quant.pk).update(reserved=F("reserved") + quantity, updated_at=timezone.now())
    source_type, source_id = _source_ref(source)
    reservation = Reservation.objects.create(
        company=company, item=item, location=location, lot=lot, quantity=quantity, open_quantity=quantity,
        reference=reference, source_type=source_type, source_id=source_id)
    record_change(reservation, actor=actor, action="reserve")
    return reservation


def _lock_reservation(reservation: Reservation, quantity, field: str = "quantity") -> tuple[Reservation, Decimal]:
    reservation = Reservation.objects.select_for_update(of=("self",)).select_related(
        "company", "item", "location", "lot").get(pk=reservation.pk)
    if reservation.status != ReservationStatus.ACTIVE:
        raise TransitionNotAllowed("status", f"The reservation is {reservation.status}.",
                                   extra={"current": reservation.status, "allowed_transitions": []})
    quantity = reservation.open_quantity if quantity is None else _quantity(quantity, field)
    if quantity > reservation.open_quantity:
        raise DomainError(field, f"Only {reservation.open_quantity.normalize():f} is still reserved.")
    return reservation, quantity


@transaction.atomic
def reservation_release(*, reservation: Reservation, actor, quantity=None) -> Reservation:
    """Give back all (or `quantity`) of what a reservation holds."""
    reservation, quantity = _lock_reservation(reservation, quantity)
    before = snapshot(reservation)
    lock_stock(company=reservation.company,
               quant_keys=[(reservation.item_id, reservation.location_id, reservation.lot_id)])
    quant = StockQuant.objects.get(item=reservation.item, location=reservation.location, lot=reservation.lot)
    StockQuant.objects.filter(pk=quant.pk).update(reserved=F("reserved") - quantity, updated_at=timezone.now())
    reservation.open_quantity -= quantity
    if reservation.open_quantity == 0:
        transition(reservation, verb="release")
    reservation.save(update_fields=["open_quantity", "status", "updated_at"])
    record_change(reservation, actor=actor, action="release", before=before)
    return reservation


@transaction.atomic
def reservation_consume(*, reservation: Reservation, to_location, actor, quantity=None, lot=None,
                        reference: str | None = None, source=None) -> StockMove:
    """Move what was reserved (all, or `quantity`) out to `to_location` (a customer, production…)."""
    reservation, quantity = _lock_reservation(reservation, quantity)
    before = snapshot(reservation)
    if reservation.lot_id and lot is not None and lot.pk != reservation.lot_id:
        raise DomainError("lot", f"The reservation holds lot {reservation.lot.code}.")
    spec = MoveSpec(item=reservation.item, quantity=quantity, from_location=reservation.location,
                    to_location=to_location, lot=reservation.lot or lot,
                    reference=reservation.reference if reference is None else reference,
                    source=source or reservation)
    [move] = _post(company=reservation.company, moves=[spec], actor=actor, prefix_of=lambda i: "",
                   releases={0: quantity})
    reservation.open_quantity -= quantity
    if reservation.open_quantity == 0:
        transition(reservation, verb="consume")
    reservation.save(update_fields=["open_quantity", "status", "updated_at"])
    record_change(reservation, actor=actor, action="consume", before=before)
    return move


# ---- cycle counts -------------------------------------------------------------------------------

@transaction.atomic
def cycle_count_create(*, company, location, actor, reason: str = "Cycle count", items=None,
                       lines: list[dict] | None = None) -> CycleCount:
    """Start counting a location: one line per item/lot on hand there (or the given items/lines)."""
    require_same_company(company, location=location)
    if not location.is_internal:
        raise DomainError("location", "Only internal locations are counted.")
    count = CycleCount.objects.create(company=company, location=location, reason=reason or "Cycle count",
                                      number=next_number(company=company, doc_type="CC"))
    quants = StockQuant.objects.filter(location=location).select_related("item", "lot")
    if items:
        quants = quants.filter(item__in=items)
    else:
        quants = quants.filter(on_hand__gt=0)
    seen = set()
    for quant in quants:
        CycleCountLine.objects.create(count=count, item=quant.item, lot=quant.lot, expected_quantity=quant.on_hand)
        seen.add((quant.item_id, quant.lot_id))
    for item in items or []:
        if (item.pk, None) not in seen and item.tracking == Tracking.NONE:
            CycleCountLine.objects.create(count=count, item=item, expected_quantity=ZERO)
            seen.add((item.pk, None))
    for index, row in enumerate(lines or []):
        item, lot = row["item"], row.get("lot")
        require_same_company(company, **{f"lines.{index}.item": item})
        if (item.pk, lot.pk if lot else None) in seen:
            line = count.lines.get(item=item, lot=lot)
        else:
            line = CycleCountLine.objects.create(count=count, item=item, lot=lot, expected_quantity=ZERO)
            seen.add((item.pk, lot.pk if lot else None))  # a second row of the same item/lot updates this line
        if row.get("counted_quantity") is not None:
            line.counted_quantity = row["counted_quantity"]
            line.save(update_fields=["counted_quantity"])
    record_change(count, actor=actor, action="create")
    return count


@transaction.atomic
def cycle_count_record(*, count: CycleCount, actor, lines: list[dict]) -> CycleCount:
    """Enter counted quantities: `lines=[{"line": id | "item"/"lot", "counted_quantity": q}]`."""
    count = CycleCount.objects.select_for_update().get(pk=count.pk)
    if count.status != CycleCountStatus.DRAFT:
        raise TransitionNotAllowed("status", f"The count is {count.status}.")
    before = snapshot(count)
    for index, row in enumerate(lines):
        counted = row.get("counted_quantity")
        if counted is not None and Decimal(counted) < 0:
            raise DomainError(f"lines.{index}.counted_quantity", "A counted quantity cannot be negative.")
        if row.get("line"):
            line_id = row["line"].pk if hasattr(row["line"], "pk") else row["line"]
            line = count.lines.filter(pk=line_id).first()
            if line is None:
                raise DomainError(f"lines.{index}.line", "Not a line of this count.")
        else:
            item, lot = row["item"], row.get("lot")
            require_same_company(count.company_id, **{f"lines.{index}.item": item})
            line, _ = CycleCountLine.objects.get_or_create(count=count, item=item, lot=lot)
        line.counted_quantity = counted
        line.save(update_fields=["counted_quantity"])
    record_change(count, actor=actor, action="record", before=before)
    return count


def _lock_count(count: CycleCount) -> CycleCount:
    return CycleCount.objects.select_for_update(of=("self",)).select_related("company", "location").get(pk=count.pk)


@transaction.atomic
def cycle_count_post(*, count: CycleCount, actor) -> CycleCount:
    """Write adjustment moves to/from inventory loss for every difference between counted and on hand."""
    with step(count, verb="post", actor=actor, lock=_lock_count, fields=["posted_at"]) as count:
        lines = list(count.lines.select_related("item", "lot").order_by("item_id", "lot_id"))
        uncounted = [i for i, line in enumerate(lines) if line.counted_quantity is None]
        if uncounted:
            raise DomainError(f"lines.{uncounted[0]}.counted_quantity", "Enter the counted quantity of every line.",
                              code="required")
        loss = virtual_location(company=count.company, kind=LocationKind.INVENTORY_LOSS)
        lock_stock(company=count.company, quant_keys=[(line.item_id, count.location_id, line.lot_id) for line in lines])
        specs, adjusted = [], []
        for line in lines:
            quant = StockQuant.objects.filter(item=line.item, location=count.location, lot=line.lot).first()
            on_hand = quant.on_hand if quant else ZERO
            line.difference = line.counted_quantity - on_hand
            if line.difference == 0:
                line.save(update_fields=["difference"])
                continue
            gain = line.difference > 0
            specs.append(MoveSpec(item=line.item, quantity=abs(line.difference), lot=line.lot,
                                  from_location=loss if gain else count.location,
                                  to_location=count.location if gain else loss,
                                  reference=count.number, source=count, reason=count.reason))
            adjusted.append(line)
        if specs:
            positions = {id(line): i for i, line in enumerate(lines)}
            moves = _post(company=count.company, moves=specs, actor=actor,
                          prefix_of=lambda i: f"lines.{positions[id(adjusted[i])]}.counted_")
            for line, move in zip(adjusted, moves, strict=True):
                line.move = move
                line.save(update_fields=["difference", "move"])
            emit(STOCK_ADJUSTED, company=count.company, subject=count, payload={
                "reference": count.number, "reason": count.reason,
                "moves": [{"id": m.pk, "item": m.item.number, "quantity": str(m.quantity),
                           "from_kind": m.from_location.kind, "to_kind": m.to_location.kind, "value": str(m.value)}
                          for m in moves]})
        count.posted_at = timezone.now()
    return count


@transaction.atomic
def cycle_count_cancel(*, count: CycleCount, actor) -> CycleCount:
    """Abandon a draft count: nothing is adjusted."""
    return take_step(count, verb="cancel", actor=actor, fields=[])
