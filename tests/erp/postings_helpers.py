"""Helpers of the posting-rule tests: deliver events to ERP's posting handlers, read account balances and SCM's
stock value, and make the documents whose events are posted (through SCM's and MES's own services)."""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver
from apps.erp.choices import BOOKED_STATUSES, PostingRule
from apps.erp.models import JournalEntry, JournalLine
from apps.erp.services.accounts import account_for
from apps.mes.choices import TimeLogKind
from apps.mes.models import OperationTimeLog
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.scm.models import ItemValuation
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import shipment_create, shipment_reserve, shipment_ship

D = Decimal
ZERO = Decimal(0)
ERP = "apps.erp.handlers."
POSTING_HANDLERS = [f"{ERP}{name}" for name in ("post_goods_receipt", "post_shipment", "post_stock_adjustment",
                                                  "post_stock_move", "post_work_order_completion")]
INVENTORY_RULES = (PostingRule.INVENTORY, PostingRule.FINISHED_GOODS)


def deliver_postings(company=None) -> int:
    """Run every pending delivery to the posting handlers (in the test's transaction); returns how many ran."""
    pending = EventDelivery.objects.filter(handler__in=POSTING_HANDLERS, status=DeliveryStatus.PENDING)
    if company is not None:
        pending = pending.filter(event__company=company)
    done = 0
    for delivery_id in pending.order_by("event_id", "id").values_list("pk", flat=True):
        assert deliver(delivery_id), EventDelivery.objects.get(pk=delivery_id).last_error
        done += 1
    return done


def last_event(name: str) -> Event:
    return Event.objects.filter(name=name).latest("id")


def entry_of(event: Event) -> JournalEntry:
    return JournalEntry.objects.get(source_event_id=event.pk)


def entry_lines(entry: JournalEntry) -> list[tuple]:
    """(account code, debit, credit) per line, in order."""
    return list(entry.lines.order_by("line_number").values_list("account__code", "debit", "credit"))


def balance(company, rule: str) -> Decimal:
    """Debit minus credit of the rule's account over the booked entries."""
    totals = JournalLine.objects.filter(account=account_for(company=company, rule=rule),
                                        entry__status__in=BOOKED_STATUSES).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or ZERO) - (totals["c"] or ZERO)


def inventory_balance(company) -> Decimal:
    return sum((balance(company, rule) for rule in INVENTORY_RULES), ZERO)


def stock_value(company) -> Decimal:
    """SCM's value of the stock held in internal locations (its item valuations)."""
    return ItemValuation.objects.filter(company=company).aggregate(v=Sum("value"))["v"] or ZERO


def receive_purchase(world, actor, lines, *, received_on=None):
    """Order `lines` [(item, quantity, unit price)] from the world's supplier, send the order and post a receipt of
    all of it into the stock bin; returns the receipt."""
    order = purchase_order_send(purchase_order=purchase_order_create(
        company=world.company, actor=actor, supplier=world.supplier, warehouse=world.warehouse,
        lines=[{"item": item, "quantity": D(q), "unit_price": D(p)} for item, q, p in lines]), actor=actor)
    receipt = goods_receipt_create(
        company=world.company, actor=actor, purchase_order=order, received_on=received_on,
        lines=[{"purchase_order_line": line, "quantity": line.quantity, "location": world.stock}
               for line in order.lines.order_by("line_number")])
    return goods_receipt_post(receipt=receipt, actor=actor)


def ship(world, actor, lines):
    """Ship `lines` [(item, quantity)] to the world's customer from its warehouse; returns the shipment."""
    shipment = shipment_create(company=world.company, actor=actor, customer=world.customer,
                               warehouse=world.warehouse, lines=[{"item": i, "quantity": D(q)} for i, q in lines])
    shipment_reserve(shipment=shipment, actor=actor)
    return shipment_ship(shipment=shipment, actor=actor)


def released_work_order(plant, quantity="10"):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=D(quantity), location=plant.stock,
                                   due_date=timezone.localdate() + datetime.timedelta(days=30))
    return work_order_release(work_order=work_order, actor=plant.user)


def log_hours(work_order, sequence: int, hours, operator, kind=TimeLogKind.RUN):
    """A finished time log of `hours` by `operator` on the operation `sequence`."""
    operation = work_order.operations.get(sequence=sequence)
    end = timezone.now()
    return OperationTimeLog.objects.create(operation=operation, operator=operator, kind=kind,
                                           started_at=end - datetime.timedelta(hours=float(hours)), ended_at=end)
