"""Flows through the real outbox and a real Celery worker: other modules' events become timeline entries exactly
once (also when dispatched twice), and feedback to engineering opens exactly one change request in PLM."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.core.choices import DeliveryStatus
from apps.core.models import DeliveryAttempt, Event, EventDelivery
from apps.core.outbox import deliver, dispatch, emit, enqueue_dispatch
from apps.core.tasks import dispatch_event
from apps.crm.models import TimelineEntry
from apps.crm.services.cases import case_create, case_submit_feedback
from apps.crm.services.timeline import timeline_from_event
from apps.plm.models import ChangeRequest
from apps.scm.choices import LocationKind
from apps.scm.models import Shipment
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import shipment_ship
from apps.scm.services.stock import stock_move_post
from tests.conftest import wait_for
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import purchasing_world

D = Decimal
CRM = "apps.crm.handlers."


def delivered(event, handler: str) -> bool:
    return EventDelivery.objects.filter(event=event, handler=handler, status=DeliveryStatus.DONE).exists()


def entries(customer) -> list[tuple]:
    return list(TimelineEntry.objects.filter(customer=customer).order_by("occurred_at", "id")
                .values_list("kind", "title", "amount", "currency_code"))


@pytest.mark.flow
def test_a_confirmed_sales_order_and_its_shipment_reach_the_timeline_once(celery_worker, company, user):
    world = purchasing_world(company)
    stock_move_post(company=company, item=world.item, quantity=D(20),
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock, unit_cost=D(2), actor=user)
    virtual_location(company=company, kind=LocationKind.CUSTOMER)
    with transaction.atomic():
        confirmed = emit("erp.sales_order.confirmed", company=company, subject=world.customer, payload={
            "number": "SO-2026-00042", "customer_id": world.customer.pk, "total": "70.00", "currency": "EUR",
            "quote_number": "QT-2026-00007", "lines": [{"item_id": world.item.pk, "quantity": "7"}]})
    enqueue_dispatch(confirmed.pk)  # dispatched twice
    wait_for(lambda: delivered(confirmed, f"{CRM}on_sales_order_confirmed")
             and delivered(confirmed, "apps.scm.handlers.on_sales_order_confirmed"), message="the SO event")
    shipment = shipment_ship(shipment=Shipment.objects.get(), actor=user)
    shipped = Event.objects.get(name="scm.shipment.shipped")
    wait_for(lambda: delivered(shipped, f"{CRM}on_shipment_shipped"), message="the shipment event")
    # ERP's handlers of the shipment (no such sales order there) finish too before the redelivery
    wait_for(lambda: not EventDelivery.objects.filter(event=shipped).exclude(status=DeliveryStatus.DONE).exists(),
             message="every handler of the shipment")
    dispatch_event.apply_async((shipped.pk,))  # once more, after it was delivered: a no-op
    assert dispatch(shipped.pk) == []
    assert deliver(EventDelivery.objects.get(event=shipped, handler=f"{CRM}on_shipment_shipped").pk) is False
    assert entries(world.customer) == [
        ("sales_order", "Sales order SO-2026-00042 confirmed from quote QT-2026-00007", D("70.00"), "EUR"),
        ("shipment", f"Shipment {shipment.number} shipped for SO-2026-00042", None, ""),
    ]
    # called again by hand: the unique (event, customer) entry is found, nothing is added
    assert timeline_from_event(event=shipped).source_event_id == shipped.pk
    assert TimelineEntry.objects.filter(customer=world.customer).count() == 2
    entry = TimelineEntry.objects.get(kind="shipment")
    assert entry.url == f"/scm/shipments/{shipment.pk}/"
    attempts = DeliveryAttempt.objects.filter(delivery__event=shipped, delivery__handler=f"{CRM}on_shipment_shipped")
    assert attempts.count() == 1


@pytest.mark.flow
def test_invoices_and_payments_of_customers_reach_the_timeline(celery_worker, company):
    customer = PartyFactory(company=company, is_customer=True)
    supplier = PartyFactory(company=company, is_customer=False, is_supplier=True)
    with transaction.atomic():
        invoice = emit("erp.invoice.posted", company=company, subject=customer, payload={
            "number": "INV-2026-00001", "customer_id": customer.pk, "total": "119.00", "currency": "EUR",
            "due_date": "2026-07-31"})
        paid = emit("erp.payment.received", company=company, subject=customer, payload={
            "number": "PAY-2026-00001", "party_id": customer.pk, "amount": "119.00", "currency": "EUR",
            "invoice_numbers": ["INV-2026-00001"]})
        to_supplier = emit("erp.payment.received", company=company, subject=supplier, payload={
            "number": "PAY-2026-00002", "party_id": supplier.pk, "amount": "50.00", "currency": "EUR"})
    for event, handler in ((invoice, "on_invoice_posted"), (paid, "on_payment_received"),
                           (to_supplier, "on_payment_received")):
        wait_for(lambda e=event, h=handler: delivered(e, f"{CRM}{h}"), message=f"{event.name} delivered")
    assert entries(customer) == [
        ("invoice", "Invoice INV-2026-00001 posted, due 2026-07-31", D("119.00"), "EUR"),
        ("payment", "Payment PAY-2026-00001 received for INV-2026-00001", D("119.00"), "EUR"),
    ]
    assert not TimelineEntry.objects.filter(customer=supplier).exists()  # a payment to a supplier is not CRM's


@pytest.mark.flow
def test_feedback_opens_exactly_one_change_request_through_the_worker(celery_worker, company, user):
    product = ReleasedItemFactory(company=company, number="TR-9")
    customer = PartyFactory(company=company, is_customer=True)
    case = case_create(company=company, actor=user, customer=customer, subject="Paint flakes", item=product)
    case_submit_feedback(case=case, actor=user, description="Paint flakes off after a month.")
    event = Event.objects.get(name="crm.feedback.submitted")
    enqueue_dispatch(event.pk)  # dispatched twice
    handler = "apps.plm.handlers.on_feedback_submitted"
    wait_for(lambda: delivered(event, handler), message="the feedback delivered to PLM")
    assert deliver(EventDelivery.objects.get(event=event, handler=handler).pk) is False
    request = ChangeRequest.objects.get()
    assert (request.source, request.reference, request.source_event_id) == ("crm_feedback", case.number, event.pk)
    assert list(request.affected_items.all()) == [product]
    assert request.problem.startswith("Paint flakes off after a month.")


@pytest.mark.django_db
def test_an_event_naming_an_unknown_party_fails_visibly_and_writes_nothing(company):
    with transaction.atomic():
        event = emit("erp.invoice.posted", company=company, subject=company, payload={
            "number": "INV-1", "customer_id": 999999, "total": "1.00"})
    delivery = EventDelivery.objects.get(event=event, handler=f"{CRM}on_invoice_posted")
    assert deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "No party 999999" in delivery.last_error
    assert not TimelineEntry.objects.exists()


@pytest.mark.django_db
def test_outbox_backfill_gives_past_shipments_to_the_timeline_once(company):
    from django.core.management import call_command
    from django.utils import timezone

    customer = PartyFactory(company=company, is_customer=True)
    with transaction.atomic():
        event = emit("scm.shipment.shipped", company=company, subject=customer, payload={
            "number": "SH-2025-00001", "customer_id": customer.pk, "sales_order_number": None})
    handler = f"{CRM}on_shipment_shipped"
    EventDelivery.objects.filter(event=event, handler=handler).delete()  # emitted before CRM subscribed
    since = (timezone.localdate()).isoformat()
    call_command("outbox_backfill", handler=handler, since=since)
    call_command("outbox_backfill", handler=handler, since=since)  # a second run creates nothing
    # ERP subscribes too (a shipment of no sales order and no moves is a no-op there: no order, no entry)
    assert sorted(dispatch(event.pk)) == ["apps.crm.handlers.on_shipment_shipped",
                                          "apps.erp.handlers.on_shipment_shipped",
                                          "apps.erp.handlers.on_shipment_shipped_invoice",
                                          "apps.erp.handlers.post_shipment"]
    assert entries(customer) == [("shipment", "Shipment SH-2025-00001 shipped", None, "")]
