"""Benchmark: a full MRP run on a large company (not a test).

Creates a fresh database `bench_mrp` on the configured PostgreSQL server, migrates it, and builds
10,000 items (3,570 assemblies over 6 levels with shared sub-assemblies, 6,430 purchased parts; ~50,000 BOM
lines, scrap on some), planning parameters (assemblies: a minimum lot of about a week's demand; parts: a
minimum and a multiple), routings over work center calendars for a third of the assemblies, preferred suppliers
with lead times for the parts, stock on 3,000 items, 20,000 open sales order lines over the 120 days (on the
top two levels) and 2,000 open purchase order lines. Then it measures, interleaved:

* ours: `mrp_run_start` + `mrp_run_execute` (what the Celery task runs): the inputs read set-based, low-level
  codes, netting per item and daily bucket over 120 days, lot sizing, lead-time offsetting, pegging, exception
  messages, and the writing of planned orders, pegs, messages and item plans;
* the baseline: plain netting (gross to net per item and level, no buckets, no pegging, nothing written) with a
  few set-based queries and in-memory arithmetic;

and drops the database. The last line is:
    RESULT erp_mrp=<s> baseline=<s> ratio=<ours/baseline> planned_orders=<n> pegs=<n> levels=<n> ...

Run: .venv/bin/python bench/erp_mrp.py   (DATABASE_URL=postgres://... for a server of your own)
"""

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from common import configure, interleaved, throwaway_database

configure("bench_mrp")

from django.db import connection  # noqa: E402
from django.db.models import F, Sum  # noqa: E402

LEVELS = [70, 200, 400, 700, 1000, 1200]  # assemblies per level (level 0 = top assemblies)
LEAVES = 10_000 - sum(LEVELS)
SUBASSEMBLIES_PER_ASSEMBLY = 3
LEAVES_PER_ASSEMBLY = 11
DEMANDS, SUPPLIES, STOCKED, HORIZON = 20_000, 2_000, 3_000, 120
RUNS = 3


def build():
    """The company, with bulk inserts: catalog and BOMs, planning parameters, routings, suppliers, stock, sales
    order lines and purchase order lines."""
    from apps.core.models import Company, Currency, Party, UnitOfMeasure
    from apps.erp.models import ItemPlanning, SalesOrder, SalesOrderLine
    from apps.mes.models import Routing, RoutingOperation, WorkCenter
    from apps.plm.models import BomLine, Item, Revision
    from apps.scm.models import Location, PurchaseOrder, PurchaseOrderLine, StockQuant, SupplierItem, Warehouse

    rng = random.Random(42)
    today = datetime.date.today()  # noqa: DTZ011  (the run's start: the server's local date, as the service's)
    eur = Currency.objects.get(code="EUR")
    company = Company.objects.create(code="BENCH", name="Bench", currency=eur)
    each = UnitOfMeasure.objects.get(code="ea")
    items = []
    for level, count in enumerate(LEVELS):
        items += [Item(company=company, number=f"A{level}-{n:05d}", name=f"Assembly {level}/{n}", item_type="make",
                       uom=each, lifecycle_state="released") for n in range(count)]
    items += [Item(company=company, number=f"P-{n:05d}", name=f"Part {n}", item_type="buy", uom=each,
                   lifecycle_state="released") for n in range(LEAVES)]
    items = Item.objects.bulk_create(items, batch_size=5000)
    revisions = Revision.objects.bulk_create(
        [Revision(company=company, item=item, code="A", status="released") for item in items], batch_size=5000)
    for item, revision in zip(items, revisions, strict=True):
        item.current_revision = revision
    Item.objects.bulk_update(items, ["current_revision"], batch_size=5000)
    by_level, start = [], 0
    for count in LEVELS:
        by_level.append(list(zip(items[start:start + count], revisions[start:start + count], strict=True)))
        start += count
    leaves = items[start:]
    lines = []
    for level, assemblies in enumerate(by_level):
        for _item, revision in assemblies:
            position = 0
            if level + 1 < len(by_level):
                for child, _rev in rng.sample(by_level[level + 1], SUBASSEMBLIES_PER_ASSEMBLY):
                    position += 10
                    lines.append(BomLine(revision=revision, component=child, quantity=Decimal(rng.choice([1, 1, 2])),
                                         uom=each, position=position))
                leaf_count = LEAVES_PER_ASSEMBLY
            else:
                leaf_count = LEAVES_PER_ASSEMBLY + SUBASSEMBLIES_PER_ASSEMBLY
            for leaf in rng.sample(leaves, leaf_count):
                position += 10
                lines.append(BomLine(revision=revision, component=leaf, quantity=Decimal(rng.randint(1, 4)), uom=each,
                                     scrap_percent=Decimal(rng.choice([0, 0, 2, 5])), position=position))
    BomLine.objects.bulk_create(lines, batch_size=10_000)

    assemblies = [item for level in by_level for item, _rev in level]
    centers = WorkCenter.objects.bulk_create([WorkCenter(company=company, code=f"WC{n}", name=f"Center {n}",
                                                         capacity_hours_per_day=Decimal(rng.choice([8, 16])))
                                              for n in range(8)])
    routed = assemblies[::3]
    routings = Routing.objects.bulk_create([Routing(company=company, item=item, name="Std") for item in routed])
    RoutingOperation.objects.bulk_create([
        RoutingOperation(routing=routing, sequence=10 * (n + 1), work_center=rng.choice(centers),
                         setup_minutes=Decimal(rng.choice([0, 30, 60])),
                         run_minutes_per_unit=Decimal(rng.choice(["0.5", "1", "2"])))
        for routing in routings for n in range(2)], batch_size=5000)
    suppliers = Party.objects.bulk_create([Party(company=company, number=f"S-{n:03d}", name=f"Supplier {n}",
                                                 is_supplier=True, is_customer=False) for n in range(40)])
    customer = Party.objects.create(company=company, number="C-001", name="Customer", is_customer=True)
    SupplierItem.objects.bulk_create([
        SupplierItem(company=company, supplier=rng.choice(suppliers), item=leaf, currency=eur, is_preferred=True,
                     lead_time_days=rng.randint(3, 20), minimum_order_quantity=Decimal(rng.choice([0, 100])))
        for leaf in leaves], batch_size=5000)
    warehouse = Warehouse.objects.create(company=company, code="MAIN", name="Main")
    bin_ = Location.objects.create(company=company, warehouse=warehouse, code="A1", name="A1")
    StockQuant.objects.bulk_create([StockQuant(company=company, item=item, location=bin_,
                                               on_hand=Decimal(rng.randint(1, 500)))
                                    for item in rng.sample(items, STOCKED)], batch_size=5000)
    sellable = [item for level in by_level[:2] for item, _rev in level]
    orders = SalesOrder.objects.bulk_create([
        SalesOrder(company=company, number=f"SO-B-{n:05d}", customer=customer, currency=eur, order_date=today,
                   status="confirmed") for n in range(DEMANDS // 10)], batch_size=5000)
    SalesOrderLine.objects.bulk_create([
        SalesOrderLine(order=orders[n // 10], line_number=n % 10 + 1, item=rng.choice(sellable),
                       quantity=Decimal(rng.randint(1, 20)), unit_price=Decimal(10), tax_rate=Decimal(0),
                       due_date=today + datetime.timedelta(days=rng.randint(0, HORIZON - 1)))
        for n in range(DEMANDS)], batch_size=5000)
    purchase_orders = PurchaseOrder.objects.bulk_create([
        PurchaseOrder(company=company, number=f"PO-B-{n:05d}", supplier=rng.choice(suppliers), currency=eur,
                      status="sent") for n in range(SUPPLIES // 10)])
    PurchaseOrderLine.objects.bulk_create([
        PurchaseOrderLine(purchase_order=purchase_orders[n // 10], line_number=n % 10 + 1, item=rng.choice(leaves),
                          quantity=Decimal(rng.randint(100, 2000)), unit_price=Decimal(1),
                          due_date=today + datetime.timedelta(days=rng.randint(-5, HORIZON + 10)))
        for n in range(SUPPLIES)], batch_size=5000)
    # lot sizes as a planner sets them: a minimum lot of about a week's requirement for assemblies, two weeks' for
    # parts (in multiples of 10), from the plain net requirement over the horizon
    net = baseline(company)
    planning = [ItemPlanning(company=company, item=item, lead_time_days=rng.randint(0, 2),
                             minimum_quantity=(net.get(item.pk, Decimal(0)) * 7 / HORIZON).quantize(Decimal(1)))
                for item in assemblies]
    planning += [ItemPlanning(company=company, item=item, multiple=Decimal(10),
                              minimum_quantity=(net.get(item.pk, Decimal(0)) * 14 / HORIZON).quantize(Decimal(1)),
                              safety_stock=Decimal(rng.choice([0, 0, 0, 20]))) for item in leaves]
    ItemPlanning.objects.bulk_create(planning, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company, len(items), len(lines)


def baseline(company) -> dict[int, Decimal]:
    """Plain netting: per item, level by level, net = gross - on hand - open supply (never below 0); the net of a
    made item exploded to its components. A few set-based queries, in-memory arithmetic, nothing written."""
    from apps.erp.models import SalesOrderLine
    from apps.erp.services.mrp.engine import BomEdge, ItemInput, low_level_codes
    from apps.plm.models import BomLine, Item
    from apps.scm.models import PurchaseOrderLine, StockQuant

    types = dict(Item.objects.filter(company=company).values_list("id", "item_type"))
    bom: dict[int, list[BomEdge]] = defaultdict(list)
    for parent, component, quantity, scrap in BomLine.objects.filter(
            revision__company=company, revision__item__current_revision=F("revision")).values_list(
            "revision__item_id", "component_id", "quantity", "scrap_percent"):
        bom[parent].append(BomEdge(component, quantity, scrap))
    gross: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, total in SalesOrderLine.objects.filter(order__company=company, order__status="confirmed").values(
            "item_id").annotate(total=Sum(F("quantity") - F("quantity_delivered"))).values_list("item_id", "total"):
        gross[item_id] += total
    available: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, total in StockQuant.objects.filter(company=company).values("item_id").annotate(
            total=Sum("on_hand")).values_list("item_id", "total"):
        available[item_id] += total
    for item_id, total in PurchaseOrderLine.objects.filter(purchase_order__company=company).values(
            "item_id").annotate(total=Sum(F("quantity") - F("quantity_received"))).values_list("item_id", "total"):
        available[item_id] += total
    codes = low_level_codes({i: ItemInput(i, "") for i in types}, bom)
    net: dict[int, Decimal] = {}
    for item_id in sorted(types, key=lambda i: (codes[i], i)):
        need = max(gross.get(item_id, Decimal(0)) - available.get(item_id, Decimal(0)), Decimal(0))
        net[item_id] = need
        if need and types[item_id] == "make":
            for edge in bom.get(item_id, ()):
                gross[edge.component_id] += (need * edge.quantity_per * (100 + edge.scrap_percent) / 100).quantize(
                    Decimal("0.0001"))
    return net


def main() -> None:
    with throwaway_database():
        from apps.erp.models import MrpItemPlan, MrpMessage, PlannedOrder
        from apps.erp.services.mrp import engine
        from apps.erp.services.mrp.inputs import collect_inputs
        from apps.erp.services.mrp.run import mrp_run_execute, mrp_run_start

        began = time.perf_counter()
        company, item_count, line_count = build()
        print(f"built {item_count} items, {line_count} BOM lines, {DEMANDS} demands, {SUPPLIES} supplies in "
              f"{time.perf_counter() - began:.1f} s", flush=True)

        def ours():
            run = mrp_run_execute(run=mrp_run_start(company=company, actor=None, horizon_days=HORIZON))
            assert run.status == "done", run.error
            return run

        took, base, run, net = interleaved(ours, lambda: baseline(company), RUNS)
        orders = PlannedOrder.objects.filter(run=run)
        messages, item_plans = MrpMessage.objects.filter(run=run).count(), MrpItemPlan.objects.filter(run=run).count()
        # every planned order is pegged in full (its pegs are arrays on its row)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), coalesce(sum(cardinality(peg_kinds)), 0), count(*) FILTER (WHERE "
                           "quantity IS DISTINCT FROM (SELECT sum(q) FROM unnest(peg_quantities) AS q)) "
                           "FROM erp_plannedorder WHERE run_id = %s", [run.pk])
            planned_orders, pegs, unpegged = cursor.fetchone()
        assert planned_orders == orders.count()
        assert unpegged == 0, unpegged

        # where the time goes (one more run, piece by piece)
        start = time.perf_counter()
        inputs = collect_inputs(company=company, start=run.start_date, horizon_days=HORIZON)
        read = time.perf_counter() - start
        start = time.perf_counter()
        result = engine.plan(inputs)
        planning = time.perf_counter() - start
        assert len(result.planned) == planned_orders  # deterministic: the same plan again
        print(f"run {run.number}: {planned_orders} planned orders ({run.results['late']} late), {pegs} pegs, "
              f"{messages} messages, {item_plans} item plans, {run.results['levels']} levels; "
              f"reading {read:.2f} s, planning {planning:.2f} s, the rest (writing, bookkeeping) "
              f"{took - read - planning:.2f} s")
        print(f"the run's own record (results.seconds) of its last timed run: {run.results['seconds']}")
        print(f"baseline: net requirements of {sum(1 for v in net.values() if v)} items")
        print(f"RESULT erp_mrp={took:.3f} baseline={base:.3f} ratio={took / base:.2f} planned_orders={planned_orders} "
              f"pegs={pegs} levels={run.results['levels']} items={item_count} demands={DEMANDS} supplies={SUPPLIES} "
              f"buckets={HORIZON}")


if __name__ == "__main__":
    main()
