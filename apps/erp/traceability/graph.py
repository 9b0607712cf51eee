"""The trace of one record: every record linked to it across the modules, upstream (where it came from) and
downstream (where it went), as a typed graph of nodes and edges.

Edges always point the way material and documents flow: supplier → purchase order → receipt → lot → work order
→ finished lot → shipment → sales order → invoice → payment, and quote → sales order. From the record traced,
the walk follows edges backward (upstream) and, separately, forward (downstream), so the trace of a sales
order does not spread to the other customers of a shared supplier lot: it is the chain of *this* record. Around
each record reached, context that is not walked further is attached: a work order's revision and its ECO, its
operations and their non-conformances, a lot's receipt non-conformances, the supplier of a purchase order, the
customer of a shipment, sales order or invoice, the quote of a sales order, the invoice of a shipment reached.

Queries: the walk goes breadth first, one round per step of the chain, and each round asks one or two queries
per kind of record in its frontier (all its records at once); then one query per kind loads the labels. The
number of queries grows with the length of the chain (levels of genealogy), never with the number of records.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.urls import reverse

from apps.core.models import Party
from apps.core.permissions import has_company_perm
from apps.crm.models import Quote
from apps.erp.choices import TraceNodeKind, TraceStartKind
from apps.erp.models import Invoice, Payment, PaymentAllocation, PegKind, PlannedOrder, SalesOrder, SalesOrderLine
from apps.mes.models import (
    GenealogyLink,
    NonConformance,
    Operation,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderMaterial,
)
from apps.plm.models import ChangeOrder, Revision
from apps.scm.choices import MoveStatus
from apps.scm.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Lot,
    PurchaseOrder,
    Shipment,
    ShipmentAllocation,
    StockMove,
    StockQuant,
)

COMPLETION_SOURCE = "mes.workordercompletion"  # the stock moves of what a work order made
MATERIAL_SOURCE = "mes.workordermaterial"  # the stock moves of what it consumed (so also for untracked products)
MAX_NODES = 1000  # a trace beyond this is cut (`truncated`): a recall list is the tool for whole populations
MAX_ROUNDS = 200  # steps of the chain; genealogy is bounded far below this (MES's MAX_GENEALOGY_DEPTH)


@dataclass(frozen=True)
class Kind:
    """A kind of record in a trace: its model, screens and API, and who may see it."""

    name: str
    model: type
    label: str
    url_name: str
    api_url_name: str
    permission: str


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("quote", Quote, "Quote", "crm:quote_detail", "crm-quote-detail", "crm.view_quote"),
    Kind("sales_order", SalesOrder, "Sales order", "erp:salesorder_detail", "erp-salesorder-detail",
         "erp.view_salesorder"),
    Kind("change_order", ChangeOrder, "Change order", "plm:changeorder_detail", "changeorder-detail",
         "plm.view_changeorder"),
    Kind("revision", Revision, "Revision", "plm:revision_detail", "revision-detail", "plm.view_revision"),
    Kind("work_order", WorkOrder, "Work order", "mes:workorder_detail", "mes-workorder-detail",
         "mes.view_workorder"),
    Kind("operation", Operation, "Operation", "mes:operation_detail", "mes-operation-detail", "mes.view_operation"),
    Kind("nonconformance", NonConformance, "Non-conformance", "mes:nonconformance_detail",
         "mes-nonconformance-detail", "mes.view_nonconformance"),
    Kind("lot", Lot, "Lot", "scm:lot_detail", "lot-detail", "scm.view_lot"),
    Kind("receipt", GoodsReceipt, "Goods receipt", "scm:goodsreceipt_detail", "goodsreceipt-detail",
         "scm.view_goodsreceipt"),
    Kind("purchase_order", PurchaseOrder, "Purchase order", "scm:purchaseorder_detail", "purchaseorder-detail",
         "scm.view_purchaseorder"),
    Kind("supplier", Party, "Supplier", "core:party_detail", "party-detail", "core.view_party"),
    Kind("shipment", Shipment, "Shipment", "scm:shipment_detail", "shipment-detail", "scm.view_shipment"),
    Kind("customer", Party, "Customer", "core:party_detail", "party-detail", "core.view_party"),
    Kind("invoice", Invoice, "Invoice", "erp:invoice_detail", "erp-invoice-detail", "erp.view_invoice"),
    Kind("payment", Payment, "Payment", "erp:payment_detail", "erp-payment-detail", "erp.view_payment"),
]}
# the kinds a trace may start from, by the slug of their URL (`/erp/trace/sales-order/42/`)
START_KINDS: dict[str, str] = {slug: slug.replace("-", "_") for slug in TraceStartKind.values}
if set(KINDS) != set(TraceNodeKind.values) or not set(START_KINDS.values()) <= set(KINDS):
    raise ImportError("TraceNodeKind/TraceStartKind and KINDS disagree")

Key = tuple[str, int]  # (kind, id)
Edge = tuple[Key, Key, str]  # (from, to, relation), from upstream to downstream


def key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


# ---- one step of the walk: the neighbours of many records of one kind, in one or two queries ------------------
def _lots_from_genealogy(links) -> list[Edge]:
    """Edges of genealogy links: child lot → work order → parent lot (or child → parent without a work order)."""
    edges = []
    for child, parent, work_order in links:
        if work_order:
            edges += [(("lot", child), ("work_order", work_order), "consumed by"),
                      (("work_order", work_order), ("lot", parent), "produced")]
        else:
            edges.append((("lot", child), ("lot", parent), "consumed into"))
    return edges


def _produced_lots(company_id: int, work_order_ids) -> list[Edge]:
    """Lots and serials work orders put into stock (their completions' moves), tracked components or not."""
    completions = WorkOrderCompletion.objects.filter(work_order_id__in=work_order_ids,
                                                     work_order__company_id=company_id)
    moves = (StockMove.objects.filter(company_id=company_id, source_type=COMPLETION_SOURCE, status=MoveStatus.DONE,
                                      lot__isnull=False, source_id__in=completions.annotate(
                                          text=Cast("pk", output_field=CharField())).values("text"))
             .annotate(work_order_id=_completion_work_order()).values_list("work_order_id", "lot_id"))
    return [(("work_order", wo), ("lot", lot), "produced") for wo, lot in moves if wo]


def _consumed_lots(company_id: int, **lookups) -> list[Edge]:
    """Lot → work order of the components' consumption moves (`lookups` on the moves)."""
    material = WorkOrderMaterial.objects.filter(pk=Cast(OuterRef("source_id"), BigIntegerField()))
    moves = (StockMove.objects.filter(company_id=company_id, source_type=MATERIAL_SOURCE, status=MoveStatus.DONE,
                                      lot__isnull=False, **lookups)
             .annotate(work_order_id=Subquery(material.values("work_order_id")[:1]))
             .values_list("lot_id", "work_order_id").distinct())
    return [(("lot", lot), ("work_order", wo), "consumed by") for lot, wo in moves if wo]


def _completion_work_order() -> Subquery:
    """The work order of a completion's stock move (its `source_id` is the completion's id)."""
    return Subquery(WorkOrderCompletion.objects.filter(pk=Cast(OuterRef("source_id"), BigIntegerField()))
                    .values("work_order_id")[:1])


def _up(company_id: int, kind: str, ids: list[int]) -> list[Edge]:
    """Edges into `ids` (of `kind`) from what they came from."""
    c = company_id
    if kind == "payment":
        return [(("invoice", inv), ("payment", pay), "paid by") for pay, inv in PaymentAllocation.objects.filter(
            payment_id__in=ids, payment__company_id=c, invoice__isnull=False).values_list("payment_id", "invoice_id")]
    if kind == "invoice":
        edges = []
        for pk, order, shipment, credited in Invoice.objects.filter(company_id=c, pk__in=ids).values_list(
                "pk", "sales_order_id", "shipment_id", "credited_invoice_id"):
            edges += [((k, ref), ("invoice", pk), rel) for k, ref, rel in (
                ("sales_order", order, "invoiced as"), ("shipment", shipment, "invoiced as"),
                ("invoice", credited, "credited by")) if ref]
        return edges
    if kind == "sales_order":
        orders = list(SalesOrder.objects.filter(company_id=c, pk__in=ids).values_list("pk", "number", "quote_id"))
        by_number = {number: pk for pk, number, _q in orders}
        edges = [(("quote", quote), ("sales_order", pk), "ordered as") for pk, _n, quote in orders if quote]
        edges += [(("shipment", pk), ("sales_order", by_number[number]), "delivers")
                  for pk, number in Shipment.objects.filter(company_id=c, sales_order_number__in=list(by_number))
                  .values_list("pk", "sales_order_number")]
        lines = dict(SalesOrderLine.objects.filter(order_id__in=ids, order__company_id=c).values_list("pk",
                                                                                                     "order_id"))
        edges += _made_for(PlannedOrder.objects.filter(company_id=c, work_order__isnull=False,
                                                       peg_documents__overlap=list(lines)), lines)
        return edges
    if kind == "shipment":
        return [(("lot", lot), ("shipment", shipment), "shipped in" if moved else "reserved for")
                for shipment, lot, moved in ShipmentAllocation.objects.filter(
                    line__shipment_id__in=ids, line__shipment__company_id=c, lot__isnull=False)
                .values_list("line__shipment_id", "lot_id", "stock_move_id")]
    if kind == "lot":
        edges = _lots_from_genealogy(GenealogyLink.objects.filter(company_id=c, parent_lot_id__in=ids).values_list(
            "child_lot_id", "parent_lot_id", "work_order_id"))
        edges += [(("work_order", wo), ("lot", lot), "produced") for lot, wo in StockMove.objects.filter(
            company_id=c, lot_id__in=ids, source_type=COMPLETION_SOURCE, status=MoveStatus.DONE).annotate(
            work_order_id=_completion_work_order()).values_list("lot_id", "work_order_id") if wo]
        edges += [(("receipt", receipt), ("lot", lot), "received as") for receipt, lot in GoodsReceiptLine.objects
                  .filter(receipt__company_id=c, stock_move__lot_id__in=ids, stock_move__status=MoveStatus.DONE)
                  .values_list("receipt_id", "stock_move__lot_id")]
        return edges
    if kind == "work_order":
        materials = WorkOrderMaterial.objects.filter(work_order_id__in=ids, work_order__company_id=c).annotate(
            text=Cast("pk", output_field=CharField())).values("text")
        return _consumed_lots(c, source_id__in=materials)
    if kind == "receipt":
        return [(("purchase_order", po), ("receipt", pk), "received on") for pk, po in GoodsReceipt.objects.filter(
            company_id=c, pk__in=ids).values_list("pk", "purchase_order_id")]
    return []


def _made_for(orders, lines: dict[int, int]) -> list[Edge]:
    """Work orders made for sales orders: the released planned `orders` pegged to the sales order `lines` ({line id:
    order id}), once per pair."""
    pairs = {(work_order, lines[document])
             for work_order, kinds, documents in orders.values_list("work_order_id", "peg_kinds", "peg_documents")
             for kind, document in zip(kinds, documents, strict=True)
             if kind == PegKind.SALES_ORDER and document in lines}
    return [(("work_order", wo), ("sales_order", order), "made for") for wo, order in sorted(pairs)]


def _down(company_id: int, kind: str, ids: list[int]) -> list[Edge]:
    """Edges out of `ids` (of `kind`) to where they went."""
    c = company_id
    if kind == "quote":
        return [(("quote", quote), ("sales_order", pk), "ordered as") for pk, quote in SalesOrder.objects.filter(
            company_id=c, quote_id__in=ids).values_list("pk", "quote_id")]
    if kind == "purchase_order":
        return [(("purchase_order", po), ("receipt", pk), "received on") for pk, po in GoodsReceipt.objects.filter(
            company_id=c, purchase_order_id__in=ids).values_list("pk", "purchase_order_id")]
    if kind == "receipt":
        return [(("receipt", receipt), ("lot", lot), "received as") for receipt, lot in GoodsReceiptLine.objects
                .filter(receipt_id__in=ids, receipt__company_id=c, stock_move__lot__isnull=False,
                        stock_move__status=MoveStatus.DONE).values_list("receipt_id", "stock_move__lot_id")]
    if kind == "lot":
        edges = _lots_from_genealogy(GenealogyLink.objects.filter(company_id=c, child_lot_id__in=ids).values_list(
            "child_lot_id", "parent_lot_id", "work_order_id"))
        edges += _consumed_lots(c, lot_id__in=ids)
        edges += [(("lot", lot), ("shipment", shipment), "shipped in" if moved else "reserved for")
                  for shipment, lot, moved in ShipmentAllocation.objects.filter(
                      lot_id__in=ids, line__shipment__company_id=c).values_list("line__shipment_id", "lot_id",
                                                                                 "stock_move_id")]
        return edges
    if kind == "work_order":
        edges = _lots_from_genealogy(GenealogyLink.objects.filter(company_id=c, work_order_id__in=ids)
                                     .values_list("child_lot_id", "parent_lot_id", "work_order_id"))
        edges += _produced_lots(c, ids)
        orders = PlannedOrder.objects.filter(company_id=c, work_order_id__in=ids)
        lines = dict(SalesOrderLine.objects.filter(
            order__company_id=c, pk__in={document for kinds, documents in orders.values_list("peg_kinds",
                                                                                             "peg_documents")
                                         for kind, document in zip(kinds, documents, strict=True)
                                         if kind == PegKind.SALES_ORDER}).values_list("pk", "order_id"))
        edges += _made_for(orders, lines)
        return edges
    if kind == "shipment":
        shipments = list(Shipment.objects.filter(company_id=c, pk__in=ids).exclude(sales_order_number="")
                         .values_list("pk", "sales_order_number"))
        orders = dict(SalesOrder.objects.filter(company_id=c, number__in=[n for _pk, n in shipments])
                      .values_list("number", "pk"))
        edges = [(("shipment", pk), ("sales_order", orders[number]), "delivers") for pk, number in shipments
                 if number in orders]
        edges += [(("shipment", shipment), ("invoice", pk), "invoiced as") for pk, shipment in Invoice.objects.filter(
            company_id=c, shipment_id__in=ids).values_list("pk", "shipment_id")]
        return edges
    if kind == "sales_order":
        return [(("sales_order", order), ("invoice", pk), "invoiced as") for pk, order in Invoice.objects.filter(
            company_id=c, sales_order_id__in=ids).values_list("pk", "sales_order_id")]
    if kind == "invoice":
        edges = [(("invoice", inv), ("payment", pay), "paid by") for pay, inv in PaymentAllocation.objects.filter(
            invoice_id__in=ids, payment__company_id=c).values_list("payment_id", "invoice_id")]
        edges += [(("invoice", credited), ("invoice", pk), "credited by") for pk, credited in Invoice.objects.filter(
            company_id=c, credited_invoice_id__in=ids).values_list("pk", "credited_invoice_id")]
        return edges
    return []


def _context(company_id: int, by_kind: dict[str, set[int]]) -> list[Edge]:
    """What surrounds the records reached, without walking on: parties, revisions and ECOs, operations and
    non-conformances. One query per relation, for all records of the kind."""
    c, edges = company_id, []
    if ids := by_kind.get("work_order"):
        revisions = list(WorkOrder.objects.filter(company_id=c, pk__in=ids).values_list("pk", "revision_id"))
        edges += [(("revision", rev), ("work_order", wo), "built to") for wo, rev in revisions]
        edges += [(("change_order", eco), ("revision", rev), "released by")
                  for eco, rev in ChangeOrder.revisions.through.objects.filter(
                      revision_id__in={rev for _wo, rev in revisions}, changeorder__company_id=c)
                  .values_list("changeorder_id", "revision_id")]
        operations = list(Operation.objects.filter(work_order_id__in=ids, work_order__company_id=c)
                          .values_list("pk", "work_order_id"))
        edges += [(("work_order", wo), ("operation", op), "operation") for op, wo in operations]
        edges += [(("operation", op), ("nonconformance", nc), "non-conformance")
                  for nc, op in NonConformance.objects.filter(
                      company_id=c, operation_id__in=[op for op, _wo in operations]).values_list("pk", "operation_id")]
    if ids := by_kind.get("lot"):
        edges += [(("lot", lot), ("nonconformance", nc), "non-conformance")
                  for nc, lot in NonConformance.objects.filter(company_id=c, receipt_line__stock_move__lot_id__in=ids)
                  .values_list("pk", "receipt_line__stock_move__lot_id")]
    if ids := by_kind.get("sales_order"):
        edges += [(("quote", quote), ("sales_order", pk), "ordered as") for pk, quote in SalesOrder.objects.filter(
            company_id=c, pk__in=ids, quote__isnull=False).values_list("pk", "quote_id")]
    if (ids := by_kind.get("invoice")) and by_kind.get("shipment"):  # both reached, each from its own side
        edges += [(("shipment", shipment), ("invoice", pk), "invoiced as") for pk, shipment in Invoice.objects.filter(
            company_id=c, pk__in=ids, shipment_id__in=by_kind["shipment"]).values_list("pk", "shipment_id")]
    if ids := by_kind.get("purchase_order"):
        edges += [(("supplier", party), ("purchase_order", pk), "supplies") for pk, party in PurchaseOrder.objects
                  .filter(company_id=c, pk__in=ids).values_list("pk", "supplier_id")]
    for kind, model, relation in (("shipment", Shipment, "delivered to"), ("sales_order", SalesOrder, "ordered by"),
                                  ("invoice", Invoice, "billed to"), ("quote", Quote, "quoted to")):
        if ids := by_kind.get(kind):
            edges += [((kind, pk), ("customer", party), relation) for pk, party in model.objects.filter(
                company_id=c, pk__in=ids).values_list("pk", "customer_id")]
    return edges


# ---- labels: one query per kind ---------------------------------------------------------------------------------
def _choices(model, name: str = "status") -> dict:
    return dict(model._meta.get_field(name).choices)


def _label_rows(company_id: int, kind: str, ids) -> dict[int, dict]:
    """{id: {label, status, status_display, description, flags}} of the records of one kind (of the company)."""
    c, rows = company_id, {}
    if kind in ("supplier", "customer"):
        for pk, number, name in Party.objects.filter(company_id=c, pk__in=ids).values_list("pk", "number", "name"):
            rows[pk] = {"label": name, "description": number}
        return rows
    if kind == "lot":
        held = set(StockQuant.objects.filter(company_id=c, lot_id__in=ids, on_hand__gt=0,
                                             location__is_quality_hold=True).values_list("lot_id", flat=True))
        for pk, code, serial, item, name in Lot.objects.filter(company_id=c, pk__in=ids).values_list(
                "pk", "code", "is_serial", "item__number", "item__name"):
            rows[pk] = {"label": code, "description": f"{'Serial' if serial else 'Lot'} of {item} {name}",
                        "flags": (["serial"] if serial else []) + (["quality_hold"] if pk in held else [])}
        return rows
    if kind == "revision":
        statuses = _choices(Revision)
        for pk, code, status, item, name in Revision.objects.filter(company_id=c, pk__in=ids).values_list(
                "pk", "code", "status", "item__number", "item__name"):
            rows[pk] = {"label": f"{item} rev. {code}", "status": status, "status_display": statuses.get(status),
                        "description": name}
        return rows
    if kind == "operation":
        statuses = _choices(Operation)
        for pk, wo, sequence, name, center, status in Operation.objects.filter(
                work_order__company_id=c, pk__in=ids).values_list("pk", "work_order__number", "sequence", "name",
                                                                  "work_center__code", "status"):
            rows[pk] = {"label": f"{wo} / {sequence}", "status": status, "status_display": statuses.get(status),
                        "description": f"{name or 'Operation'} at {center}"}
        return rows
    model, describe = {
        "quote": (Quote, "customer__name"), "sales_order": (SalesOrder, "customer__name"),
        "change_order": (ChangeOrder, "title"), "work_order": (WorkOrder, "item__number"),
        "nonconformance": (NonConformance, "item__number"), "receipt": (GoodsReceipt, "purchase_order__number"),
        "purchase_order": (PurchaseOrder, "supplier__name"), "shipment": (Shipment, "customer__name"),
        "invoice": (Invoice, "customer__name"), "payment": (Payment, "party__name"),
    }[kind]
    statuses = _choices(model)
    extra = ["customer_facing"] if kind == "nonconformance" else []
    for pk, number, status, description, *flags in model.objects.filter(company_id=c, pk__in=ids).values_list(
            "pk", "number", "status", describe, *extra):
        rows[pk] = {"label": number, "status": status, "status_display": statuses.get(status),
                    "description": description or "", "flags": ["customer_facing"] if any(flags) else []}
    return rows


@dataclass
class Trace:
    """The graph of a trace: `nodes` (dicts) and `edges` (from key, to key, relation), keys are "kind:id"."""

    root: str
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    truncated: bool = False


def _walk(company_id: int, root: Key, step, seen: set[Key], edges: set[Edge]) -> bool:
    """Breadth first from `root` with `step` (`_up` or `_down`); False if the node limit cut the walk."""
    frontier = {root}
    for _round in range(MAX_ROUNDS):
        by_kind: dict[str, list[int]] = defaultdict(list)
        for kind, pk in frontier:
            by_kind[kind].append(pk)
        found: set[Key] = set()
        for kind, ids in sorted(by_kind.items()):
            for edge in step(company_id, kind, sorted(ids)):
                edges.add(edge)
                found.update((edge[0], edge[1]))
        frontier = found - seen
        seen |= frontier
        if len(seen) > MAX_NODES:
            return False
        if not frontier:
            return True
    return False


def trace_graph(*, record, kind: str, user=None) -> Trace:
    """The trace of `record` (of `kind`, one of KINDS): upstream and downstream, with context and labels. With
    `user`, kinds their role in the record's company may not view are left out (with their edges)."""
    company_id = record.company_id
    root: Key = (kind, record.pk)
    edges: set[Edge] = set()
    up_seen, down_seen = {root}, {root}
    complete = _walk(company_id, root, _up, up_seen, edges)
    complete = _walk(company_id, root, _down, down_seen, edges) and complete
    # edges found while walking one way may lead to records of the other way (a lot's other consumers, seen when
    # asking what produced it): only the records each walk reached belong to the trace
    reached = up_seen | down_seen
    edges = {e for e in edges if e[0] in reached and e[1] in reached and (
        (e[0] in up_seen and e[1] in up_seen) or (e[0] in down_seen and e[1] in down_seen))}
    by_kind: dict[str, set[int]] = defaultdict(set)
    for node_kind, pk in reached:
        by_kind[node_kind].add(pk)
    context = _context(company_id, by_kind)
    edges |= set(context)
    for start, end, _relation in context:
        for node_kind, pk in (start, end):
            by_kind[node_kind].add(pk)
    visible = {name for name, spec in KINDS.items() if user is None or has_company_perm(
        user, spec.permission, company_id)}
    nodes, shown = [], set()
    for node_kind in KINDS:  # the chain's order, so lists read from quote to payment
        if node_kind not in visible or not by_kind.get(node_kind):
            continue
        spec = KINDS[node_kind]
        rows = _label_rows(company_id, node_kind, by_kind[node_kind])
        for pk in sorted(rows):
            row = rows[pk]
            shown.add((node_kind, pk))
            nodes.append({"key": key_text((node_kind, pk)), "kind": node_kind, "kind_display": spec.label, "id": pk,
                          "label": row["label"], "status": row.get("status"),
                          "status_display": row.get("status_display"), "description": row.get("description", ""),
                          "flags": row.get("flags", []), "is_root": (node_kind, pk) == root,
                          "url": reverse(spec.url_name, args=[pk]), "api_url": reverse(spec.api_url_name, args=[pk])})
    trace = Trace(root=key_text(root), nodes=nodes, truncated=not complete)
    trace.edges = [{"from": key_text(a), "to": key_text(b), "relation": relation}
                   for a, b, relation in sorted(edges) if a in shown and b in shown]
    return trace
