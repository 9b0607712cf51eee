"""The customer timeline: one entry per (event, customer), from CRM's own steps and other modules' events.

CRM's own steps (quote sent/accepted, case opened/resolved, opportunity won/lost, feedback) write their entry in
their transaction, next to the event they emit. Other modules' events arrive through the outbox
(`apps/crm/handlers.py`), which runs each handler exactly once per event; the unique (event, customer)
constraint backs that up, so a replayed or backfilled event finds its entry and writes nothing.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from apps.core.errors import DomainError
from apps.core.models import Event, Party
from apps.core.outbox import emit
from apps.crm.choices import TimelineKind
from apps.crm.models import TimelineEntry


def timeline_record(*, event: Event, customer: Party, kind: str, title: str, reference: str = "",
                    amount: Decimal | None = None, currency_code: str = "") -> TimelineEntry:
    """The customer's entry for `event`, written unless it exists (a second call returns the first entry)."""
    existing = TimelineEntry.objects.filter(source_event_id=event.pk, customer=customer).first()
    if existing is not None:
        return existing
    entry = TimelineEntry(company_id=event.company_id, customer=customer, kind=kind, occurred_at=event.created_at,
                          title=title[:200], reference=(reference or "")[:60], amount=amount,
                          currency_code=(currency_code or "")[:3], subject_type=event.subject_type,
                          subject_id=event.subject_id, source_event_id=event.pk)
    try:
        with transaction.atomic():  # a concurrent writer of the same entry wins; we return its row
            entry.save()
    except IntegrityError:
        return TimelineEntry.objects.get(source_event_id=event.pk, customer=customer)
    return entry


def announce(name: str, *, subject, customer: Party, payload: dict, kind: str, title: str, reference: str = "",
             amount: Decimal | None = None, currency_code: str = "") -> Event:
    """A CRM step's event and its timeline entry, in the step's transaction (both or neither)."""
    event = emit(name, company=subject.company, subject=subject, payload=payload)
    timeline_record(event=event, customer=customer, kind=kind, title=title, reference=reference, amount=amount,
                    currency_code=currency_code)
    return event


def _customer_of(event: Event) -> Party | None:
    """The customer an event is about (`customer_id`, else `party_id`); None when it names none or the party is
    not a customer (a payment to a supplier). A party unknown in the event's company is an error: the delivery
    fails visibly in the flow monitor instead of losing the entry."""
    payload = event.payload or {}
    party_id = payload.get("customer_id") or payload.get("party_id")
    if not party_id:
        return None
    party = Party.objects.filter(company_id=event.company_id, pk=party_id).first()
    if party is None:
        raise DomainError("payload.customer_id", f"No party {party_id} in the event's company.",
                          code="invalid_payload")
    return party if party.is_customer else None


def _amount(payload: dict, *keys: str) -> Decimal | None:
    for key in keys:
        value = payload.get(key)
        if value not in (None, ""):
            try:
                return Decimal(str(value))
            except InvalidOperation as exc:
                raise DomainError(f"payload.{key}", f"'{value}' is not a decimal number.",
                                  code="invalid_payload") from exc
    return None


@transaction.atomic
def timeline_from_event(*, event: Event) -> TimelineEntry | None:
    """The entry of another module's event (shipment shipped, sales order confirmed, invoice posted, payment
    received); None when the event is not about a customer."""
    customer = _customer_of(event)
    if customer is None:
        return None
    payload = event.payload or {}
    number = str(payload.get("number") or event.subject_id)
    kind, title = TITLES[event.name](payload, number)
    return timeline_record(event=event, customer=customer, kind=kind, title=title, reference=number,
                           amount=_amount(payload, *MONEY_KEYS.get(event.name, ())),
                           currency_code=str(payload.get("currency") or ""))


def _shipment(payload: dict, number: str) -> tuple[str, str]:
    order = payload.get("sales_order_number")
    return TimelineKind.SHIPMENT, f"Shipment {number} shipped" + (f" for {order}" if order else "")


def _sales_order(payload: dict, number: str) -> tuple[str, str]:
    quote = payload.get("quote_number") or payload.get("quote")
    return TimelineKind.SALES_ORDER, f"Sales order {number} confirmed" + (f" from quote {quote}" if quote else "")


def _invoice(payload: dict, number: str) -> tuple[str, str]:
    due = payload.get("due_date")
    return TimelineKind.INVOICE, f"Invoice {number} posted" + (f", due {due}" if due else "")


def _payment(payload: dict, number: str) -> tuple[str, str]:
    invoices = payload.get("invoice_numbers") or []
    return TimelineKind.PAYMENT, f"Payment {number} received" + (f" for {', '.join(invoices)}" if invoices else "")


TITLES = {
    "scm.shipment.shipped": _shipment,
    "erp.sales_order.confirmed": _sales_order,
    "erp.invoice.posted": _invoice,
    "erp.payment.received": _payment,
}
# the payload keys holding the document's amount, first found wins (a shipment carries its cost, not a price)
MONEY_KEYS = {
    "erp.sales_order.confirmed": ("total", "total_with_tax"),
    "erp.invoice.posted": ("total", "total_with_tax"),
    "erp.payment.received": ("amount",),
}
