"""Read queries of the stock ledger shared by SCM, MES and ERP."""

from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, F, Q, Sum, Value, When, Window
from django.db.models.functions import Coalesce

from apps.scm.choices import MoveStatus
from apps.scm.models import ItemValuation, Lot, StockMove, StockQuant

ZERO = Decimal(0)
_DEC = DecimalField(max_digits=18, decimal_places=4)


def stock_value_total(*, company_id: int) -> Decimal:
    """The company's stock at moving-average cost (Σ of its items' valuations), in its currency."""
    return ItemValuation.objects.filter(company_id=company_id).aggregate(
        v=Coalesce(Sum("value"), Value(ZERO), output_field=DecimalField(max_digits=20, decimal_places=2)))["v"]


def _quant_sum(expression: str, *, item, location, lot, available: bool) -> Decimal:
    """SUM over the item's quants (the unique index on (item, location, lot)): bounded by the item's
    locations and lots, independent of the number of moves. Plain SQL: this runs on every availability
    check, and the ORM's aggregate costs more than the query."""
    sql = [f"SELECT SUM({expression}) FROM scm_stockquant q"]
    if available:
        sql.append("JOIN scm_location l ON l.id = q.location_id AND NOT l.is_quality_hold")
    sql.append("WHERE q.item_id = %s")
    params = [item.pk]
    if location is not None:
        sql.append("AND q.location_id = %s")
        params.append(location.pk)
    if lot is not None:
        sql.append("AND q.lot_id = %s")
        params.append(lot.pk)
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        total = cursor.fetchone()[0]
    return total if total is not None else ZERO


def stock_on_hand(*, item, location=None, lot=None) -> Decimal:
    """Physical quantity of an item in internal stock (at a location, of a lot)."""
    return _quant_sum("q.on_hand", item=item, location=location, lot=lot, available=False)


def stock_available(*, item, location=None, lot=None) -> Decimal:
    """On hand minus reserved, never below zero; stock on quality hold is not available."""
    return max(_quant_sum("q.on_hand - q.reserved", item=item, location=location, lot=lot, available=True), ZERO)


def fefo_lots(*, item, location, quantity) -> list[tuple[Lot, Decimal]]:
    """First-expiry-first-out pick suggestion: [(lot, quantity)] covering `quantity` as far as stock allows."""
    quantity = Decimal(quantity)
    quants = (StockQuant.objects.filter(item=item, location=location, lot__isnull=False,
                                        location__is_quality_hold=False)
              .annotate(free=F("on_hand") - F("reserved")).filter(free__gt=0).select_related("lot")
              .order_by(F("lot__expires_on").asc(nulls_last=True), "lot__created_at", "lot_id"))
    picks = []
    for quant in quants:
        if quantity <= 0:
            break
        take = min(quant.free, quantity)
        picks.append((quant.lot, take))
        quantity -= take
    return picks


def stock_quants(*, company_ids=None, item=None, location=None, lot=None, include_empty: bool = False):
    """Quants with `available` annotated (for overviews and the API)."""
    quants = StockQuant.objects.select_related("item", "location", "lot").annotate(
        available_quantity=F("on_hand") - F("reserved"))
    if company_ids is not None:
        quants = quants.filter(company_id__in=company_ids)
    for name, value in (("item", item), ("location", location), ("lot", lot)):
        if value is not None:
            quants = quants.filter(**{name: value})
    if not include_empty:
        quants = quants.filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
    return quants


def stock_card(*, item, location=None, lot=None):
    """Done moves of an item with the signed quantity for `location` (or internal stock) and the running
    balance, computed by a window function over done_at, id."""
    moves = StockMove.objects.filter(item=item, status=MoveStatus.DONE).select_related(
        "from_location", "to_location", "lot")
    if lot is not None:
        moves = moves.filter(lot=lot)
    if location is not None:
        moves = moves.filter(Q(from_location=location) | Q(to_location=location))
        incoming = Q(to_location=location)
        outgoing = Q(from_location=location)
    else:
        moves = moves.filter(Q(from_location__kind="internal") | Q(to_location__kind="internal"))
        incoming = Q(to_location__kind="internal") & ~Q(from_location__kind="internal")
        outgoing = Q(from_location__kind="internal") & ~Q(to_location__kind="internal")
    signed = Case(When(incoming, then=F("quantity")), When(outgoing, then=-F("quantity")),
                  default=Value(ZERO), output_field=_DEC)
    return moves.annotate(
        signed_quantity=signed,
        balance=Window(Sum(signed), order_by=[F("done_at").asc(), F("id").asc()]),
    ).order_by("done_at", "id")


def stock_ledger_differences(*, company_ids=None) -> list[dict]:
    """(item, location, lot) where the quant's on-hand differs from the sum of done moves (should be none)."""
    company_filter = "AND m.company_id = ANY(%s)" if company_ids is not None else ""
    quant_filter = "WHERE q.company_id = ANY(%s)" if company_ids is not None else ""
    params = [company_ids, company_ids, company_ids] if company_ids is not None else []
    sql = f"""
        WITH ledger AS (
            SELECT item_id, location_id, lot_id, SUM(qty) AS qty FROM (
                SELECT m.item_id, m.to_location_id AS location_id, m.lot_id, m.quantity AS qty
                  FROM scm_stockmove m JOIN scm_location l ON l.id = m.to_location_id
                 WHERE m.status = 'done' AND l.kind = 'internal' {company_filter}
                UNION ALL
                SELECT m.item_id, m.from_location_id, m.lot_id, -m.quantity
                  FROM scm_stockmove m JOIN scm_location l ON l.id = m.from_location_id
                 WHERE m.status = 'done' AND l.kind = 'internal' {company_filter}
            ) x GROUP BY item_id, location_id, lot_id
        ), quants AS (
            SELECT q.item_id, q.location_id, q.lot_id, q.on_hand FROM scm_stockquant q {quant_filter}
        )
        SELECT COALESCE(l.item_id, q.item_id), COALESCE(l.location_id, q.location_id),
               COALESCE(l.lot_id, q.lot_id), COALESCE(l.qty, 0), COALESCE(q.on_hand, 0)
          FROM ledger l FULL OUTER JOIN quants q
            ON q.item_id = l.item_id AND q.location_id = l.location_id
           AND q.lot_id IS NOT DISTINCT FROM l.lot_id
         WHERE COALESCE(l.qty, 0) <> COALESCE(q.on_hand, 0)
         ORDER BY 1, 2, 3
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [{"item": r[0], "location": r[1], "lot": r[2], "moves": r[3], "on_hand": r[4]}
                for r in cursor.fetchall()]


def stock_totals(*, quants, by: str):
    """Sum on hand / reserved / available grouped by 'item', 'location' or 'lot'."""
    fields = {"item": ["item_id", "item__number", "item__name"],
              "location": ["location_id", "location__code", "location__name"],
              "lot": ["lot_id", "lot__code", "lot__expires_on", "item__number"]}[by]
    return (quants.order_by().values(*fields)
            .annotate(on_hand_total=Sum("on_hand"), reserved_total=Sum("reserved"),
                      available_total=Sum(F("on_hand") - F("reserved")),
                      lines=Coalesce(Sum(Value(1)), 0))
            .order_by(fields[1]))
