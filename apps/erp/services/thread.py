"""The thread: one customer order through every module, lead to cash and design to delivery, each step through the
public services and the events between them (never by writing domain rows directly).

`thread_run()` runs the nine steps of issue #14 in order; `manage.py run_thread` prints them and the tests
(tests/erp/test_thread.py) assert their figures. One function per step, each taking the `Thread` (the company,
the people who act, the master data made for this run, the documents made so far) and returning a `StepReport`:

1. a lead is qualified → customer, opportunity, and an engineering change request for the variant it asks for;
2. engineering releases the variant through an ECO (approved by Engineering and Quality) → MES stores the
   manufacturing definition (`plm.revision.released`) and gets the routing;
3. the quote for the variant is sent and accepted → ERP's draft sales order (`crm.quote.accepted`), confirmed →
   SCM's shipment (`erp.sales_order.confirmed`). The quote comes after the release: CRM quotes only released items;
4. an MRP run plans the shortage; its planned orders are released: purchase orders for the parts, work orders for
   the assemblies;
5. the purchase orders are approved, sent and received with lots, one into quality hold and released by incoming
   inspection → inventory / GR-IR postings (`scm.goods_receipt.posted`);
6. the work orders are released and operated (time, good and scrapped units, a failed check with a
   non-conformance, dispositioned and closed), then completed → stock, genealogy, WIP / finished goods postings;
7. the shipment (its shortage reserved by SCM when the bikes were completed) picks the produced serials and ships
   → COGS, the draft invoice (`scm.shipment.shipped`), posted;
8. the customer pays → the payment is allocated to the invoice; the CRM timeline shows every step;
9. the checks: the trial balance balances, the inventory accounts equal SCM's stock value, WIP is zero, every
   event delivery is done, the shipped serial's genealogy reaches the supplier lots.

Events between steps are delivered by `Thread.settle()`: in this process (`apps.core.outbox.deliver_pending`,
whatever a worker does not take first) or, with `deliver=False`, by the real Celery worker while it waits.
Master data (the variant and its parts, BOMs, routings, supplier items) is made through the services with numbers
unique to the run (`THR-00001-…`), so the thread runs in any company, the demo company included, any number of times.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.models import AuditRecord, Company, Event, EventDelivery, Membership, Party, UnitOfMeasure
from apps.core.numbering import next_number
from apps.core.outbox import deliver_pending
from apps.core.services.companies import membership_set
from apps.core.services.parties import party_create
from apps.core.services.records import record_create
from apps.crm.choices import LeadSource, TimelineKind
from apps.crm.models import Quote, TimelineEntry
from apps.crm.services.leads import lead_create, lead_qualify
from apps.crm.services.quotes import quote_accept, quote_create, quote_send
from apps.erp.choices import BOOKED_STATUSES, PaymentDirection, PostingRule
from apps.erp.models import Invoice, JournalEntry, JournalLine, MrpRun, MrpRunStatus, PlannedOrder, SalesOrder
from apps.erp.selectors import trial_balance
from apps.erp.services.accounts import account_for
from apps.erp.services.invoices import invoice_post
from apps.erp.services.mrp.release import planned_orders_release
from apps.erp.services.mrp.run import mrp_run_execute, mrp_run_start
from apps.erp.services.payments import payment_create, payment_post
from apps.erp.services.sales import sales_order_confirm
from apps.mes.choices import Disposition
from apps.mes.models import GenealogyLink, ManufacturingDefinition, NonConformance, WorkCenter, WorkOrder
from apps.mes.selectors import lot_trace
from apps.mes.services.masterdata import routing_create, work_center_create
from apps.mes.services.operations import operation_finish, operation_start
from apps.mes.services.quality import (
    held_stock_release,
    nonconformance_close,
    nonconformance_disposition,
    quality_check_record,
)
from apps.mes.services.workorders import work_order_complete, work_order_release
from apps.plm.choices import ItemType, Tracking
from apps.plm.models import Item, ItemCategory
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
    change_request_create,
)
from apps.plm.services.items import item_create
from apps.scm.choices import LocationKind
from apps.scm.models import (
    GoodsReceiptLine,
    ItemValuation,
    Location,
    Lot,
    PurchaseOrder,
    Shipment,
    Warehouse,
)
from apps.scm.selectors import stock_on_hand, stock_value_total
from apps.scm.selectors_purchasing import quality_hold_location, receiving_location
from apps.scm.services.locations import location_create, location_set_quality_hold, warehouse_create
from apps.scm.services.purchasing import purchase_order_approve, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import (
    shipment_pack,
    shipment_pick,
    shipment_reserve_shortage,
    shipment_ship,
)
from apps.scm.services.suppliers import supplier_item_create

D = Decimal
ZERO = Decimal(0)

# who does what: the role each step's person has in the company (a member with it is found, else made)
CAST = {"sales": "Sales", "engineer": "Engineering", "quality": "Quality", "planner": "Planner", "buyer": "Purchasing",
        "manager": "Manager", "storekeeper": "Warehouse", "operator": "Production", "accountant": "Finance"}
# the work centers the routings use, made when the company has none of that code: code, name, rate, machine rate
WORK_CENTERS = {"WELD": ("Welding cell", D("60.00"), D("20.00")), "FINAL": ("Final assembly", D("48.00"), D("0.00"))}
QUANTITY = D(2)          # bikes ordered
UNIT_PRICE = D("1250.00")
TAX_RATE = D(20)
# the parts: key, name, unit price, supplier minimum order, supplier name
PARTS = {"TUBE": ("Frame tube set", D("12.50"), D(10), "Thread Frames Ltd"),
         "MOTOR": ("Hub motor 250 W", D("80.00"), D(5), "Thread Motors GmbH")}
# minutes the operator works on each operation (recorded as time logs through `Thread.clock`)
MINUTES = {("DRIVE", 10): 30, ("BIKE", 10): 45, ("BIKE", 20): 60}


class ThreadFailed(Exception):
    """A step or a check of the thread failed; the message says which and why."""


class RealClock:
    """Operators work in real time: the time logs last as long as the calls take."""

    def work(self, minutes: int) -> None:
        """Nothing to wait for; a test clock moves MES's time forward by `minutes` instead."""


@dataclass
class StepReport:
    number: int
    title: str
    documents: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Thread:
    """One run of the thread in a company: who acts, what was made, and how events are delivered."""

    company: Company
    deliver: bool = True                  # deliver events in this process too (else: wait for the worker)
    timeout: float = 60.0                 # seconds to wait for deliveries, the MRP run
    clock: object = field(default_factory=RealClock)
    on_step: Callable[[StepReport], None] | None = None
    people: dict[str, User] = field(default_factory=dict)
    tag: str = ""
    since_event: int = 0
    warehouse: Warehouse | None = None
    stock: Location | None = None
    hold: Location | None = None
    items: dict[str, Item] = field(default_factory=dict)
    suppliers: dict[str, Party] = field(default_factory=dict)
    docs: dict[str, object] = field(default_factory=dict)
    steps: list[StepReport] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    # ---- delivering events -----------------------------------------------------------------------------
    def _open_deliveries(self):
        return EventDelivery.objects.filter(event__company=self.company, event_id__gt=self.since_event).exclude(
            status=DeliveryStatus.DONE)

    def settle(self) -> int:
        """Return once every delivery of the events this run emitted is done (delivered here, or by a worker);
        a dead or failing delivery, or one still pending after `timeout`, fails the thread naming it."""
        deadline, delivered = time.monotonic() + self.timeout, 0
        while True:
            if self.deliver:
                delivered += deliver_pending()
            open_ = list(self._open_deliveries().select_related("event").order_by("id")[:5])
            if not open_:
                return delivered
            failing = [d for d in open_ if d.status == DeliveryStatus.DEAD or (self.deliver and d.last_error)]
            if failing or time.monotonic() > deadline:
                d = (failing or open_)[0]
                why = d.last_error.splitlines()[-1] if d.last_error else f"still {d.status} after {self.timeout:.0f} s"
                raise ThreadFailed(f"event {d.event.name} #{d.event_id} was not delivered to {d.handler}: {why}")
            time.sleep(0.02)

    def wait_for(self, what: str, find: Callable[[], object]):
        """The object `find()` returns once the events delivered so far made it; fails the thread naming `what`."""
        self.settle()
        deadline = time.monotonic() + self.timeout
        while (found := find()) is None:
            if time.monotonic() > deadline:
                raise ThreadFailed(f"{what} did not appear within {self.timeout:.0f} s")
            time.sleep(0.02)
            self.settle()
        return found

    def step(self, report: StepReport) -> StepReport:
        self.steps.append(report)
        if self.on_step is not None:
            self.on_step(report)
        return report


# ---- setup ----------------------------------------------------------------------------------------------------

def _person(company: Company, key: str, role_name: str) -> User:
    """The company's member with the role named `key` (the demo's users), else the first by user name, else a new
    member `thread-<key>-<company>`."""
    role = Group.objects.get(name=role_name)
    members = Membership.objects.filter(company=company, role=role, user__is_active=True).select_related("user")
    membership = members.filter(user__username=key).first() or members.order_by("user__username").first()
    if membership is not None:
        return membership.user
    user, _created = User.objects.get_or_create(username=f"thread-{key}-{company.code.lower()}")
    membership_set(company=company, user=user, role=role, actor=None)
    return User.objects.get(pk=user.pk)


def _supplier(thread: Thread, name: str) -> Party:
    party = Party.objects.filter(company=thread.company, name=name, is_supplier=True).order_by("pk").first()
    return party or party_create(company=thread.company, actor=thread.people["buyer"], name=name, is_supplier=True,
                                 email=f"orders@{name.split()[1].lower()}.example")


def _work_center(thread: Thread, code: str) -> WorkCenter:
    center = WorkCenter.objects.filter(company=thread.company, code=code).first()
    if center is not None:
        return center
    name, rate, machine_rate = WORK_CENTERS[code]
    return work_center_create(
        company=thread.company, actor=thread.people["engineer"], code=code, name=name, hourly_rate=rate,
        machine_hourly_rate=machine_rate, capacity_hours_per_day=D(8),
        shifts=[{"weekday": day, "start_time": datetime.time(6), "hours": D(8)} for day in range(5)])


@transaction.atomic
def thread_setup(thread: Thread) -> StepReport:
    """The people, the warehouse (with a quality-hold location), and the master data of this run: the variant
    (serial-tracked), its drive module (lot-tracked), two bought parts (lot-tracked) with their suppliers."""
    company = thread.company
    thread.since_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    thread.people = {key: _person(company, key, role) for key, role in CAST.items()}
    engineer, storekeeper = thread.people["engineer"], thread.people["storekeeper"]
    thread.tag = next_number(company=company, doc_type="THR", yearly=False)
    warehouse = Warehouse.objects.filter(company=company, is_active=True).order_by("code").first() \
        or warehouse_create(company=company, code="MAIN", name="Main warehouse", actor=storekeeper)
    root = Location.objects.filter(warehouse=warehouse, parent__isnull=True, kind=LocationKind.INTERNAL,
                                   is_active=True, is_quality_hold=False).order_by("code").first()
    thread.warehouse, thread.stock = warehouse, root or receiving_location(warehouse=warehouse)
    hold = quality_hold_location(company=company, warehouse=warehouse)
    if hold is None:
        hold = location_create(company=company, code=f"{warehouse.code}/QC", name="Incoming inspection",
                               actor=storekeeper, warehouse=warehouse, parent=thread.stock)
        hold = location_set_quality_hold(location=hold, on_hold=True, actor=storekeeper)
    thread.hold = hold
    each = UnitOfMeasure.objects.get(code="ea")
    bought, made = (ItemCategory.objects.filter(company=company, name=name).first()
                    or record_create(model=ItemCategory, actor=engineer, company=company, name=name)
                    for name in ("Purchased parts", "Assemblies"))
    tag = thread.tag
    for key, (name, price, minimum, supplier_name) in PARTS.items():
        item = item_create(company=company, number=f"{tag}-{key}", name=name, uom=each, item_type=ItemType.BUY,
                           tracking=Tracking.LOT, category=bought, standard_cost=price, actor=engineer)
        supplier = thread.suppliers[key] = _supplier(thread, supplier_name)
        supplier_item_create(company=company, actor=thread.people["buyer"], supplier=supplier, item=item,
                             supplier_part_number=f"{supplier_name.split()[1][:3].upper()}-{key}", lead_time_days=5,
                             minimum_order_quantity=minimum, is_preferred=True,
                             price_breaks=[{"min_quantity": "1", "unit_price": str(price)}])
        thread.items[key] = item
    thread.items["DRIVE"] = item_create(company=company, number=f"{tag}-DRIVE", name="Drive module",
                                        uom=each, item_type=ItemType.MAKE, tracking=Tracking.LOT, category=made,
                                        actor=engineer)
    thread.items["BIKE"] = item_create(company=company, number=f"{tag}-BIKE", name="E-bike, cargo variant",
                                       uom=each, item_type=ItemType.MAKE, tracking=Tracking.SERIAL, category=made,
                                       actor=engineer)
    for code in WORK_CENTERS:
        _work_center(thread, code)
    report = StepReport(0, "Setup: master data of this run", [i.number for i in thread.items.values()],
                        [f"warehouse {warehouse.code}, stock {thread.stock.code}, quality hold {hold.code}",
                         "people: " + ", ".join(f"{k}={u.username}" for k, u in thread.people.items())])
    return thread.step(report)


# ---- the steps --------------------------------------------------------------------------------------------------

def step_lead(thread: Thread) -> StepReport:
    """1. A lead asks for a cargo variant: qualified into a customer and an opportunity; sales raises the change
    request for engineering."""
    sales, company = thread.people["sales"], thread.company
    lead = lead_create(company=company, actor=sales, name="Maria Lopez", company_name=f"Velo Cargo {thread.tag}",
                       email=f"maria@{thread.tag.lower()}.velocargo.example", source=LeadSource.TRADE_SHOW,
                       notes="Wants a cargo variant of the e-bike for a delivery fleet.")
    lead = lead_qualify(lead=lead, actor=sales, title=f"Cargo e-bikes for Velo Cargo ({thread.tag})",
                        amount=QUANTITY * UNIT_PRICE)
    request = change_request_create(company=company, actor=sales, title=f"Cargo variant {thread.items['BIKE'].number}",
                                    problem="Customer fleet needs a cargo frame and a hub motor drive.",
                                    affected_items=[thread.items["BIKE"]], reference=lead.opportunity.number)
    thread.docs.update(lead=lead, customer=lead.customer, opportunity=lead.opportunity, change_request=request)
    return thread.step(StepReport(1, "Lead qualified → opportunity, change request for the variant",
                                  [f"customer {lead.customer.number} {lead.customer.name}",
                                   f"opportunity {lead.opportunity.number}", f"change request {request.number}"]))


def step_release(thread: Thread) -> StepReport:
    """2. Engineering puts the BOMs on the draft revisions and releases them through an ECO approved by Engineering
    and Quality; MES stores the manufacturing definitions (`plm.revision.released`) and gets the routings."""
    engineer, quality, items = thread.people["engineer"], thread.people["quality"], thread.items
    drive, bike = items["DRIVE"].revisions.get(code="A"), items["BIKE"].revisions.get(code="A")
    bom_line_add(revision=drive, component=items["MOTOR"], quantity=D(1), position=10, actor=engineer)
    bom_line_add(revision=bike, component=items["DRIVE"], quantity=D(1), position=10, actor=engineer)
    bom_line_add(revision=bike, component=items["TUBE"], quantity=D(2), position=20, actor=engineer)
    revisions = [item.revisions.get(code="A") for item in items.values()]
    eco = change_order_create(company=thread.company, actor=engineer, title=f"Release the cargo variant {thread.tag}",
                              reason="New product variant for a customer fleet.", revisions=revisions,
                              change_request=thread.docs["change_request"])
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer, comment="Design reviewed.")
    change_order_approve(change_order=eco, actor=quality, comment="Inspection plan ready.")
    eco = change_order_release(change_order=eco, actor=engineer)
    for item in items.values():
        item.refresh_from_db()  # released, with its revision in force
    made = [items["DRIVE"], items["BIKE"]]
    definitions = thread.wait_for("MES's manufacturing definitions", lambda: list(
        ManufacturingDefinition.objects.filter(item__in=made).order_by("item__number")) if
        ManufacturingDefinition.objects.filter(item__in=made).count() == len(made) else None)
    centers = {c.code: c for c in WorkCenter.objects.filter(company=thread.company, code__in=WORK_CENTERS)}
    routings = [
        routing_create(company=thread.company, actor=engineer, item=items["DRIVE"], name="Standard", operations=[
            {"sequence": 10, "work_center": centers["FINAL"], "name": "Assemble drive module",
             "setup_minutes": ZERO, "run_minutes_per_unit": D(15)}]),
        routing_create(company=thread.company, actor=engineer, item=items["BIKE"], name="Standard", operations=[
            {"sequence": 10, "work_center": centers["WELD"], "name": "Weld cargo frame", "setup_minutes": ZERO,
             "run_minutes_per_unit": D(20)},
            {"sequence": 20, "work_center": centers["FINAL"], "name": "Final assembly", "setup_minutes": ZERO,
             "run_minutes_per_unit": D(30)}]),
    ]
    thread.docs.update(change_order=eco, routings=routings)
    return thread.step(StepReport(2, "ECO approved and released → MES definitions and routings",
                                  [f"change order {eco.number} ({eco.status})",
                                   *(f"definition {d.item.number} rev {d.revision.code}" for d in definitions),
                                   *(f"routing {r.item.number} ({r.operations.count()} operations)"
                                     for r in routings)]))


def step_order(thread: Thread) -> StepReport:
    """3. The quote for the variant is sent and accepted → ERP's sales order, confirmed → SCM's shipment."""
    sales, customer = thread.people["sales"], thread.docs["customer"]
    quote = quote_create(company=thread.company, actor=sales, customer=customer, opportunity=thread.docs["opportunity"],
                         lines=[{"item": thread.items["BIKE"], "quantity": QUANTITY, "unit_price": UNIT_PRICE,
                                 "tax_rate": TAX_RATE}])
    quote_send(quote=quote, actor=sales)
    quote = quote_accept(quote=Quote.objects.get(pk=quote.pk), actor=sales)
    order = thread.wait_for("ERP's sales order of the accepted quote",
                            lambda: SalesOrder.objects.filter(quote=quote).first())
    order = sales_order_confirm(sales_order=order, actor=sales)
    shipment = thread.wait_for("SCM's shipment of the confirmed order", lambda: Shipment.objects.filter(
        company=thread.company, sales_order_number=order.number).first())
    thread.docs.update(quote=quote, sales_order=order, shipment=shipment)
    return thread.step(StepReport(3, "Quote accepted → sales order confirmed → shipment", [
        f"quote {quote.number} ({quote.total_with_tax} {quote.currency.code})",
        f"sales order {order.number} ({order.status})", f"shipment {shipment.number} ({shipment.status})"]))


def step_plan(thread: Thread) -> StepReport:
    """4. An MRP run plans the shortage; the run's planned orders for this variant are released: requisitions
    ordered into purchase orders for the parts, work orders for the assemblies."""
    planner, company = thread.people["planner"], thread.company
    run = mrp_run_start(company=company, actor=planner)
    if thread.deliver:
        mrp_run_execute(run=run)  # whatever a worker has not started already
    deadline = time.monotonic() + thread.timeout
    while (run := MrpRun.objects.get(pk=run.pk)).status not in (MrpRunStatus.DONE, MrpRunStatus.FAILED):
        if time.monotonic() > deadline:
            raise ThreadFailed(f"MRP run {run.number} is still {run.status} after {thread.timeout:.0f} s")
        time.sleep(0.05)
    if run.status != MrpRunStatus.DONE:
        raise ThreadFailed(f"MRP run {run.number} failed: {run.error}")
    planned = list(PlannedOrder.objects.filter(run=run, item__in=thread.items.values()).order_by("item__number"))
    planned_orders_release(planned_orders=planned, actor=planner)
    thread.settle()
    planned = list(PlannedOrder.objects.filter(pk__in=[p.pk for p in planned]).select_related(
        "item", "work_order", "requisition__purchase_order_line__purchase_order").order_by("item__number"))
    work_orders = {p.item.number.rsplit("-", 1)[1]: p.work_order for p in planned if p.work_order_id}
    purchase_orders = {}
    for order in planned:
        if order.requisition_id:
            line = order.requisition.purchase_order_line
            if line is None:
                raise ThreadFailed(f"requisition {order.requisition.number} of {order.item.number} was not ordered")
            purchase_orders[order.item.number.rsplit("-", 1)[1]] = line.purchase_order
    if set(work_orders) != {"DRIVE", "BIKE"} or set(purchase_orders) != set(PARTS):
        raise ThreadFailed(f"MRP planned {[f'{p.item.number} {p.kind} {p.quantity}' for p in planned]}: expected a "
                           "work order for each assembly and a purchase for each part")
    thread.docs.update(mrp_run=run, work_orders=work_orders, purchase_orders=purchase_orders)
    return thread.step(StepReport(4, "MRP run → purchase orders for parts, work orders for assemblies", [
        f"MRP run {run.number} ({run.results.get('planned_orders')} planned orders in the company)",
        *(f"planned {p.number} {p.kind} {p.item.number} x {p.quantity:f} → "
          f"{p.work_order.number if p.work_order_id else p.requisition.purchase_order_line.purchase_order.number}"
          for p in planned)]))


def step_receive(thread: Thread) -> StepReport:
    """5. The purchase orders are approved and sent; the goods arrive with supplier lots, the tubes into quality
    hold; incoming inspection passes them and releases them to stock → inventory / GR-IR postings."""
    manager, buyer, storekeeper, quality = (thread.people[k] for k in ("manager", "buyer", "storekeeper", "quality"))
    receipts, lots = [], {}
    for key, order in sorted(thread.docs["purchase_orders"].items()):
        order = purchase_order_approve(purchase_order=order, actor=manager, comment="Thread: parts for the variant.")
        order = purchase_order_send(purchase_order=order, actor=buyer)
        held = key == "TUBE"
        lines = [{"purchase_order_line": line, "quantity": line.quantity, "location": thread.stock,
                  "lot_code": f"{thread.tag}-{key}-L1", "quality_hold": held}
                 for line in order.lines.order_by("line_number")]
        receipt = goods_receipt_create(company=thread.company, actor=storekeeper, purchase_order=order, lines=lines,
                                       delivery_note=f"DN-{key}-{thread.tag}")
        receipts.append(goods_receipt_post(receipt=receipt, actor=storekeeper))
        lots[key] = Lot.objects.get(company=thread.company, item=thread.items[key], code=f"{thread.tag}-{key}-L1")
    thread.settle()
    tube_line = GoodsReceiptLine.objects.get(receipt__in=receipts, purchase_order_line__item=thread.items["TUBE"])
    quality_check_record(company=thread.company, actor=quality, receipt_line=tube_line, name="Incoming inspection",
                         passed=True, quantity=tube_line.quantity)
    held_stock_release(company=thread.company, item=thread.items["TUBE"], location=thread.hold,
                       quantity=tube_line.quantity, to_location=thread.stock, lot=lots["TUBE"], actor=quality)
    thread.settle()
    thread.docs.update(receipts=receipts, supplier_lots=lots)
    return thread.step(StepReport(5, "Purchase orders approved and received (one lot held, then released)", [
        *(f"purchase order {o.number} ({PurchaseOrder.objects.get(pk=o.pk).status})"
          for _k, o in sorted(thread.docs["purchase_orders"].items())),
        *(f"receipt {r.number}: " + ", ".join(_receipt_line(line) for line in r.lines.all()) for r in receipts),
        f"incoming inspection released lot {lots['TUBE'].code} from {thread.hold.code} to {thread.stock.code}"]))


def _receipt_line(line) -> str:
    held = " (quality hold)" if line.quality_hold else ""
    return f"{line.purchase_order_line.item.number} x {line.quantity:f} lot {line.lot_code}{held}"


def _operate(thread: Thread, work_order: WorkOrder, key: str, *, scrap: dict[int, Decimal]) -> list[str]:
    """Run every operation of a released work order: start, work (time logs), finish with good and scrapped units;
    on the bike's final assembly a failed check raises a non-conformance that quality dispositions and closes."""
    operator, quality, notes = thread.people["operator"], thread.people["quality"], []
    for operation in work_order.operations.order_by("sequence"):
        operation_start(operation=operation, actor=operator)
        thread.clock.work(MINUTES[(key, operation.sequence)])
        if key == "BIKE" and operation.sequence == 20:
            quality_check_record(company=thread.company, actor=quality, operation=operation,
                                 name="Brake torque", passed=False, quantity=D(1),
                                 nonconformance_description="Brake disc bolts under torque on one bike.")
            nc = NonConformance.objects.filter(operation=operation).latest("pk")
            nonconformance_disposition(nonconformance=nc, disposition=Disposition.REWORK, actor=quality,
                                       notes="Re-torqued to 6 Nm.")
            nonconformance_close(nonconformance=nc, actor=quality)
            quality_check_record(company=thread.company, actor=quality, operation=operation, name="Brake torque",
                                 passed=True, quantity=D(1))
            thread.docs["nonconformance"] = nc
            notes.append(f"check 'Brake torque' failed → non-conformance {nc.number}, reworked and closed")
        good = work_order.quantity
        operation_finish(operation=operation, actor=operator, quantity_good=good,
                         quantity_scrap=scrap.get(operation.sequence, ZERO), scrap_reason="Damaged in assembly"
                         if scrap.get(operation.sequence) else "")
        notes.append(f"operation {operation.sequence} {operation.name}: {MINUTES[(key, operation.sequence)]} min, "
                     f"good {good:f}, scrap {scrap.get(operation.sequence, ZERO):f}")
    return notes


def step_produce(thread: Thread) -> StepReport:
    """6. The drive modules' work order, then the bikes': released (components reserved), operated, completed →
    stock, genealogy and the WIP / finished goods postings."""
    operator, notes, documents = thread.people["operator"], [], []
    drive = work_order_release(work_order=thread.docs["work_orders"]["DRIVE"], actor=operator, location=thread.stock)
    notes += _operate(thread, drive, "DRIVE", scrap={10: D(1)})
    drive = work_order_complete(work_order=drive, lot_code=f"{thread.tag}-DRIVE-L1", actor=operator)
    thread.settle()
    bike = work_order_release(work_order=thread.docs["work_orders"]["BIKE"], actor=operator, location=thread.stock)
    notes += _operate(thread, bike, "BIKE", scrap={})
    serials = [f"{thread.tag}-SN{n:03d}" for n in range(1, int(bike.quantity) + 1)]
    bike = work_order_complete(work_order=bike, serials=serials, actor=operator)
    thread.settle()
    for order in (drive, bike):
        completion = order.completions.get()
        documents.append(f"work order {order.number} {order.status}: good {order.quantity_good:f}, scrap "
                         f"{order.quantity_scrap:f}, cost {completion.total_cost} (material {completion.material_cost}"
                         f", labour {completion.labour_cost}, machine {completion.machine_cost}), lot "
                         f"{completion.lot.code}")
        documents.append(f"  posting {JournalEntry.objects.get(source_event_id=_event_of(order).pk).number}")
    thread.docs.update(serials=serials, finished={"DRIVE": drive, "BIKE": bike})
    return thread.step(StepReport(6, "Work orders released, operated, completed", documents, notes))


def _event_of(work_order: WorkOrder) -> Event:
    return Event.objects.filter(name="mes.work_order.completed", subject_type="mes.workorder",
                                subject_id=str(work_order.pk)).latest("pk")


def step_ship(thread: Thread) -> StepReport:
    """7. The shipment (short since the order was confirmed, topped up when the bikes arrived) picks the produced
    serials, is packed and shipped → COGS, the sales order delivered, the draft invoice; accounting posts it."""
    storekeeper, accountant = thread.people["storekeeper"], thread.people["accountant"]
    shipment = Shipment.objects.get(pk=thread.docs["shipment"].pk)
    # SCM reserved the order's delivery when it was confirmed, before anything was made; the bikes' completion
    # (`mes.work_order.completed`) reserved what was short. The storekeeper's "Reserve what's short" covers what
    # that did not (it refuses when nothing is short or nothing is available).
    automatic = _shortage_reservations(shipment)
    by_hand = any(line.quantity_short > 0 for line in shipment.lines.all())
    if by_hand:
        shipment = shipment_reserve_shortage(shipment=shipment, actor=storekeeper)
    for code in thread.docs["serials"]:
        shipment_pick(shipment=shipment, actor=storekeeper, quantity=D(1), item=thread.items["BIKE"],
                      lot=Lot.objects.get(company=thread.company, item=thread.items["BIKE"], code=code))
    shipment_pack(shipment=shipment, actor=storekeeper, package_count=2, weight_kg=D("58.0"))
    shipment = shipment_ship(shipment=shipment, actor=storekeeper, carrier="DHL Freight",
                             tracking_number=f"TRK-{thread.tag}")
    invoice = thread.wait_for("ERP's invoice of the shipment",
                              lambda: Invoice.objects.filter(company=thread.company, shipment=shipment).first())
    invoice = invoice_post(invoice=invoice, actor=accountant)
    thread.settle()
    cogs = JournalEntry.objects.get(source_event_id=Event.objects.filter(
        name="scm.shipment.shipped", subject_type="scm.shipment", subject_id=str(shipment.pk)).latest("pk").pk)
    thread.docs.update(shipment=shipment, invoice=invoice, cogs_entry=cogs)
    return thread.step(StepReport(7, "Shipped the produced serials → COGS, invoice posted", [
        *(f"shipment {shipment.number}: the shortage reserved when the stock arrived, {text}" for text in automatic),
        *([f"shipment {shipment.number}: the storekeeper reserved what was short"] if by_hand else []),
        f"shipment {shipment.number} ({shipment.status}): serials {', '.join(thread.docs['serials'])}",
        f"COGS entry {cogs.number}", f"invoice {invoice.number} ({invoice.status}, {invoice.total_with_tax} "
                                     f"{invoice.currency.code}), entry {invoice.entry.number}",
        f"sales order {thread.docs['sales_order'].number} "
        f"({SalesOrder.objects.get(pk=thread.docs['sales_order'].pk).status})"]))


def _shortage_reservations(shipment: Shipment) -> list[str]:
    """What SCM's automatic top-up (`reserve_shortage`, as the audit trail records it) reserved on a shipment."""
    records = AuditRecord.objects.filter(content_type=ContentType.objects.get_for_model(Shipment),
                                         object_id=str(shipment.pk), action="reserve_shortage").order_by("pk")
    return [", ".join(f"{row['item']} x {row['quantity']}" for row in record.after.get("reserved", []))
            for record in records if record.after.get("automatic")]


def step_pay(thread: Thread) -> StepReport:
    """8. The customer pays the invoice: the payment is posted and allocated; the CRM timeline has every step."""
    accountant, invoice = thread.people["accountant"], Invoice.objects.get(pk=thread.docs["invoice"].pk)
    payment = payment_create(company=thread.company, actor=accountant, direction=PaymentDirection.RECEIVED,
                             party=invoice.customer, amount=invoice.amount_due, currency=invoice.currency,
                             reference=f"Bank transfer {thread.tag}",
                             allocations=[{"invoice": invoice, "amount": invoice.amount_due}])
    payment = payment_post(payment=payment, actor=accountant)
    thread.settle()
    invoice.refresh_from_db()
    timeline = list(TimelineEntry.objects.filter(customer=thread.docs["customer"]).order_by("occurred_at", "pk"))
    thread.docs.update(payment=payment, timeline=timeline)
    return thread.step(StepReport(8, "Customer paid → payment allocated; the CRM timeline", [
        f"payment {payment.number} ({payment.status}, {payment.amount} {payment.currency.code}) → invoice "
        f"{invoice.number} {invoice.status}, due {invoice.amount_due}",
        *(f"timeline: {e.get_kind_display()} {e.reference}" for e in timeline)]))


# ---- the checks ------------------------------------------------------------------------------------------------

TIMELINE_KINDS = {TimelineKind.QUOTE_SENT, TimelineKind.QUOTE_ACCEPTED, TimelineKind.OPPORTUNITY_WON,
                  TimelineKind.SALES_ORDER, TimelineKind.SHIPMENT, TimelineKind.INVOICE, TimelineKind.PAYMENT}


def _balance(company: Company, rules) -> Decimal:
    accounts = [account_for(company=company, rule=rule) for rule in rules]
    totals = JournalLine.objects.filter(account__in=accounts, entry__company=company,
                                        entry__status__in=BOOKED_STATUSES).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or ZERO) - (totals["c"] or ZERO)


def thread_figures(thread: Thread) -> dict:
    """The run's figures at the end: its documents' amounts and quantities (independent of the company's other
    business) and the company-wide balances the checks compare."""
    company, items = thread.company, thread.items
    invoice = Invoice.objects.get(pk=thread.docs["invoice"].pk)
    cogs_account = account_for(company=company, rule=PostingRule.COGS)
    cogs = thread.docs["cogs_entry"].lines.filter(account=cogs_account).aggregate(d=Sum("debit"))["d"]
    mine = [item.pk for item in items.values()]
    on_hand = {key: stock_on_hand(item=item).normalize() for key, item in items.items()}
    stock = stock_value_total(company_id=company.pk)
    my_value = ItemValuation.objects.filter(company=company, item_id__in=mine).aggregate(v=Sum("value"))["v"] or ZERO
    return {
        "invoice_total": invoice.total, "invoice_tax": invoice.total_tax, "invoice_total_with_tax":
            invoice.total_with_tax, "invoice_amount_due": invoice.amount_due, "invoice_status": invoice.status,
        "cogs": cogs,
        "finished": {key: (wo.quantity_good, wo.quantity_scrap, wo.completions.get().total_cost)
                     for key, wo in ((k, WorkOrder.objects.get(pk=w.pk)) for k, w in thread.docs["finished"].items())},
        "on_hand": on_hand, "stock_value_of_run": my_value,
        "company_stock_value": stock, "company_inventory_accounts": _balance(company, (
            PostingRule.INVENTORY, PostingRule.FINISHED_GOODS)), "company_wip": _balance(company, (PostingRule.WIP,)),
        "shipped_serials": sorted(thread.docs["serials"]),
        "timeline": sorted({e.kind for e in thread.docs["timeline"]}),
    }


def thread_check(thread: Thread) -> StepReport:
    """9. The checks; each is reported, and the thread fails (`ThreadFailed`) naming those that did not hold."""
    company, today = thread.company, timezone.localdate()
    figures = thread.figures = thread_figures(thread)
    report = trial_balance(company=company, date=today)
    checks = [Check("trial balance balances", report.difference == 0,
                    f"debit {report.total_debit}, credit {report.total_credit}")]
    checks.append(Check("inventory accounts equal stock value",
                        figures["company_inventory_accounts"] == figures["company_stock_value"],
                        f"accounts {figures['company_inventory_accounts']}, SCM {figures['company_stock_value']}"))
    checks.append(Check("WIP is zero", figures["company_wip"] == 0, f"WIP balance {figures['company_wip']}"))
    open_ = thread._open_deliveries()
    done = EventDelivery.objects.filter(event__company=company, event_id__gt=thread.since_event,
                                        status=DeliveryStatus.DONE).count()
    checks.append(Check("every event delivery is done", not open_.exists(),
                        f"{done} done, {open_.count()} not done"
                        + "".join(f"; {d.handler} {d.status}" for d in open_[:3])))
    serial = Lot.objects.get(company=company, item=thread.items["BIKE"], code=thread.docs["serials"][0])
    trace = lot_trace(lot_id=serial.pk, company_id=company.pk, direction="backward")
    leaves = {row["lot"]: [r["receipt"] for r in row.get("receipts") or []] for row in trace if row["is_leaf"]}
    supplier_lots = {lot.code: [r.number for r in thread.docs["receipts"] if r.lines.filter(lot_code=lot.code)]
                     for lot in thread.docs["supplier_lots"].values()}
    checks.append(Check("genealogy of the shipped serial reaches the supplier lots", leaves == supplier_lots,
                        f"{serial.code} ← " + ", ".join(f"{lot} ({', '.join(r) or 'no receipt'})"
                                                        for lot, r in sorted(leaves.items()))))
    shipped_to = Shipment.objects.filter(pk=thread.docs["shipment"].pk, lines__allocations__lot=serial).exists()
    checks.append(Check("the serial was shipped", shipped_to, f"{serial.code} on {thread.docs['shipment'].number}"))
    kinds = {e.kind for e in thread.docs["timeline"]}
    checks.append(Check("CRM timeline shows every step", TIMELINE_KINDS <= kinds,
                        f"{len(thread.docs['timeline'])} entries" + (
                            f", missing {', '.join(sorted(TIMELINE_KINDS - kinds))}" if TIMELINE_KINDS - kinds
                            else "")))
    paid = figures["invoice_amount_due"] == 0 and figures["invoice_status"] == "paid"
    checks.append(Check("invoice paid", paid, f"due {figures['invoice_amount_due']}, {figures['invoice_status']}"))
    links = GenealogyLink.objects.filter(work_order__in=[w.pk for w in thread.docs["finished"].values()]).count()
    thread.checks = checks
    thread.step(StepReport(9, "Checks", [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks],
                           [f"{links} genealogy links, invoice {figures['invoice_total_with_tax']}, COGS "
                            f"{figures['cogs']}, stock of this run {figures['stock_value_of_run']}"]))
    failed = [c for c in checks if not c.ok]
    if failed:
        raise ThreadFailed("; ".join(f"{c.name} does not hold ({c.detail})" for c in failed))
    return thread.steps[-1]


STEPS = (step_lead, step_release, step_order, step_plan, step_receive, step_produce, step_ship, step_pay,
         thread_check)


def thread_run(*, company: Company, deliver: bool = True, timeout: float = 60.0, clock=None,
               on_step: Callable[[StepReport], None] | None = None,
               between: Callable[[Thread, int], None] | None = None) -> Thread:
    """Run the whole thread in `company`; returns the `Thread` with its steps, checks and figures. Raises
    `ThreadFailed` (a readable message) when a step cannot be taken or a check does not hold; a service's
    DomainError is re-raised as `ThreadFailed` naming the step. `between(thread, n)` runs after step n."""
    thread = Thread(company=company, deliver=deliver, timeout=timeout, clock=clock or RealClock(), on_step=on_step)
    thread_setup(thread)
    for number, run_step in enumerate(STEPS, start=1):
        try:
            run_step(thread)
        except ThreadFailed:
            raise
        except Exception as exc:
            raise ThreadFailed(f"step {number} ({run_step.__doc__.split('.')[1].strip().split(':')[0]}) failed: "
                               f"{type(exc).__name__}: {exc}") from exc
        if between is not None:
            between(thread, number)
    return thread

