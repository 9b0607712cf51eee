"""Sales orders: create and change drafts, confirm (credit limit; tells SCM to ship), cancel, close; from CRM's
accepted quotes, and delivered by SCM's shipments.

Totals are CRM's (`apps.crm.services.quotes.line_amounts`), in the order's currency with its decimals, half up:
line net = round(quantity x unit price x (1 - discount % / 100)), line tax = round(net x tax rate % / 100),
`total` = Σ nets, `total_tax` = Σ taxes, `total_with_tax` = total + total_tax.

Credit limit (CRM customer profile `credit_limit`, company currency; empty: no check): confirming is refused
(409) when the customer's open orders (confirmed, partially delivered or delivered, not yet invoiced) plus this
one, each `total_with_tax` converted at the company's own rate of today, exceed the limit. The customer's
profile row is locked while checking, so two confirmations cannot both slip under the limit.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Currency, Party
from apps.core.money import round_money
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.selectors import exchange_rate
from apps.core.workflow import already_locked, step, take_step
from apps.crm.choices import QuoteStatus
from apps.crm.models import CustomerProfile, Quote
from apps.crm.services.common import check_customer, keep_fields
from apps.crm.services.quotes import price_lines, replace_lines
from apps.erp.events import (
    SALES_ORDER_CANCELLED,
    SALES_ORDER_CONFIRMED,
    sales_order_cancelled_payload,
    sales_order_payload,
)
from apps.erp.models import SalesOrder, SalesOrderLine, SalesOrderStatus
from apps.erp.models.sales import OPEN_STATUSES
from apps.plm.choices import LifecycleState, RevisionStatus
from apps.plm.models import Item
from apps.scm.choices import ShipmentStatus
from apps.scm.models import Shipment
from apps.scm.services.shipments import shipment_cancel

ZERO = Decimal(0)
S = SalesOrderStatus
EDITABLE = ("customer", "currency", "order_date", "requested_delivery_date", "warehouse", "payment_terms_days",
            "notes", "lines")


def _orderable(item: Item) -> str | None:
    """Why the item cannot be sold, or None: active (not obsolete) with a released revision in force."""
    if item.lifecycle_state == LifecycleState.OBSOLETE:
        return "is obsolete"
    revision = item.current_revision
    if revision is None or revision.status != RevisionStatus.RELEASED:
        return "has no released revision"
    return None


def _build_lines(*, order: SalesOrder, lines: list[dict]) -> list[SalesOrderLine]:
    """Validate and price the rows as CRM prices a quote's (price lists, tax rates, per-line rounding); a line may
    be due no earlier than the order date."""
    priced = price_lines(company=order.company, customer=order.customer, currency=order.currency,
                         on=order.order_date, lines=lines, document="A sales order", verb="sold", refusal=_orderable)
    built = []
    for index, (row, values) in enumerate(zip(lines, priced, strict=True)):
        due_date = row.get("due_date")
        if due_date is not None and due_date < order.order_date:
            raise DomainError(f"lines.{index}.due_date", "A line cannot be due before the order date.",
                              code="invalid")
        values.pop("price_list")
        built.append(SalesOrderLine(**values, due_date=due_date))
    return built


def _check(order: SalesOrder) -> None:
    check_customer(order.customer, order.company)
    require_same_company(order.company, warehouse=order.warehouse, quote=order.quote)
    if order.requested_delivery_date is not None and order.requested_delivery_date < order.order_date:
        raise DomainError("requested_delivery_date", "The requested delivery date cannot be before the order date.",
                          code="invalid")
    if order.payment_terms_days is None or not 0 <= order.payment_terms_days <= 365:
        raise DomainError("payment_terms_days", "From 0 to 365 days.", code="invalid")


def _check_quote(order: SalesOrder, quote: Quote) -> None:
    require_same_company(order.company, quote=quote)
    if quote.status != QuoteStatus.ACCEPTED:
        raise DomainError("quote", f"Quote {quote} is {quote.get_status_display().lower()}: only an accepted quote "
                                   "becomes a sales order.", code="not_accepted")
    if quote.customer_id != order.customer_id:
        raise DomainError("quote", f"Quote {quote} is another customer's.", code="other_customer")
    existing = SalesOrder.objects.filter(quote=quote).first()
    if existing is not None:
        raise ConflictError("quote", f"Quote {quote} already has sales order {existing}.", code="unique")


@transaction.atomic
def sales_order_create(*, company: Company, actor, customer: Party, lines: list[dict], currency=None, quote=None,
                       order_date: datetime.date | None = None, requested_delivery_date: datetime.date | None = None,
                       warehouse=None, payment_terms_days: int | None = None, notes: str = "") -> SalesOrder:
    """A draft sales order (number `SO-2026-00001`) with its lines priced and totalled. Defaults: the quote's or
    the customer's currency (else the company's), today, 30 days' payment terms."""
    order_date = order_date or timezone.localdate()
    order = SalesOrder(
        company=company, customer=customer, quote=quote, warehouse=warehouse, order_date=order_date,
        currency=currency or (quote.currency if quote else None) or customer.currency or company.currency,
        requested_delivery_date=requested_delivery_date, notes=notes or "",
        payment_terms_days=30 if payment_terms_days is None else payment_terms_days)
    _check(order)
    if quote is not None:
        _check_quote(order, quote)
    built = _build_lines(order=order, lines=lines)
    order.number = next_number(company=company, doc_type="SO", date=order_date)
    order.save()
    replace_lines(order, built, link="order")
    record_change(order, actor=actor, action="create")
    return order


def _lock(order: SalesOrder) -> SalesOrder:
    return (SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "company__currency", "currency", "customer", "quote").get(pk=order.pk))


def _require_draft(order: SalesOrder, doing: str) -> None:
    if order.status != S.DRAFT:
        raise ConflictError("status", f"Only a draft sales order can be {doing}; {order} is "
                                      f"{order.get_status_display().lower()}.", code="locked",
                            extra={"current": order.status})


@transaction.atomic
def sales_order_update(*, instance: SalesOrder, actor, **fields) -> SalesOrder:
    """Change a draft; given lines replace the existing ones. A confirmed order is not changed (409)."""
    order = _lock(instance)
    _require_draft(order, "changed")
    before = snapshot(order)
    fields = keep_fields(fields, EDITABLE)
    lines = fields.pop("lines", None)
    for name, value in fields.items():
        if value is None and name in ("currency", "order_date", "payment_terms_days"):
            continue  # an emptied field keeps its value
        setattr(order, name, value)
    _check(order)
    lines_given = lines is not None
    if not lines_given:  # the lines stay; their amounts follow a new currency
        lines = [{"item": line.item, "quantity": line.quantity, "unit_price": line.unit_price,
                  "discount_percent": line.discount_percent, "tax_rate": line.tax_rate, "due_date": line.due_date,
                  "description": line.description}
                 for line in order.lines.select_related("item__current_revision")]
    built = _build_lines(order=order, lines=lines) if lines or lines_given else []
    order.save()
    replace_lines(order, built, link="order")
    record_change(order, actor=actor, action="update", before=before)
    return order


@transaction.atomic
def sales_order_delete(*, instance: SalesOrder, actor) -> None:
    """Delete a draft (a confirmed order is cancelled instead)."""
    order = _lock(instance)
    _require_draft(order, "deleted")
    record_change(order, actor=actor, action="delete", before=snapshot(order), after=None)
    order.delete()


def credit_exposure(*, company: Company, customer: Party, exclude: SalesOrder | None = None,
                    date: datetime.date | None = None) -> Decimal:
    """The customer's open (confirmed, not invoiced) orders' totals with tax, in company currency at the company's
    rates of `date` (default today); one query per currency."""
    date = date or timezone.localdate()
    orders = SalesOrder.objects.filter(company=company, customer=customer, status__in=OPEN_STATUSES)
    if exclude is not None:
        orders = orders.exclude(pk=exclude.pk)
    exposure = ZERO
    for currency_id, amount in orders.order_by().values_list("currency").annotate(amount=Sum("total_with_tax")):
        currency = Currency.objects.get(pk=currency_id)
        exposure += amount * exchange_rate(company=company, currency=currency, date=date)
    return round_money(exposure, company.currency)


def _check_credit(order: SalesOrder) -> None:
    profile = (CustomerProfile.objects.select_for_update().filter(company=order.company, party=order.customer)
               .first())
    if profile is None or profile.credit_limit is None:
        return
    today = timezone.localdate()
    company_currency = order.company.currency
    this = round_money(order.total_with_tax * exchange_rate(company=order.company, currency=order.currency,
                                                            date=today), company_currency)
    open_orders = credit_exposure(company=order.company, customer=order.customer, exclude=order, date=today)
    exposure = open_orders + this
    if exposure > profile.credit_limit:
        code = company_currency.code
        raise ConflictError(
            "customer", f"Credit limit of {order.customer.name} exceeded: the limit is {profile.credit_limit} "
                        f"{code}, the exposure with this order would be {exposure} {code} (open orders "
                        f"{open_orders} {code} + this order {this} {code}).", code="credit_limit_exceeded",
            extra={"credit_limit": str(profile.credit_limit), "exposure": str(exposure),
                   "open_orders": str(open_orders), "order_amount": str(this), "currency": code})


@transaction.atomic
def sales_order_confirm(*, sales_order: SalesOrder, actor) -> SalesOrder:
    """Confirm a draft within the customer's credit limit: it is then fixed and SCM ships it
    (`erp.sales_order.confirmed`)."""
    with step(sales_order, verb="confirm", actor=actor, lock=_lock) as order:
        lines = list(order.lines.select_related("item").order_by("line_number"))
        if not lines:
            raise DomainError("lines", "A sales order needs at least one line.", code="required")
        _check_credit(order)
        order.confirmed_at = timezone.now()
    emit(SALES_ORDER_CONFIRMED, company=order.company, subject=order, payload=sales_order_payload(order, lines))
    return order


@transaction.atomic
def sales_order_cancel(*, sales_order: SalesOrder, actor) -> SalesOrder:
    """Cancel a draft or confirmed order; SCM's unshipped deliveries of it are cancelled with it."""
    with step(sales_order, verb="cancel", actor=actor, lock=_lock) as order:
        was_confirmed = order.confirmed_at is not None
    if was_confirmed:
        shipments = (Shipment.objects.filter(company=order.company, sales_order_number=order.number)
                     .exclude(status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED]).order_by("pk"))
        for shipment in shipments:
            shipment_cancel(shipment=shipment, actor=actor)
        emit(SALES_ORDER_CANCELLED, company=order.company, subject=order,
             payload=sales_order_cancelled_payload(order))
    return order


@transaction.atomic
def sales_order_invoice(*, sales_order: SalesOrder, actor) -> SalesOrder:
    """Mark a delivered order invoiced (called by invoicing)."""
    return take_step(sales_order, verb="invoice", actor=actor, lock=_lock)


@transaction.atomic
def sales_order_close(*, sales_order: SalesOrder, actor) -> SalesOrder:
    """Close an invoiced order: nothing more happens on it."""
    return take_step(sales_order, verb="close", actor=actor, lock=_lock)


# ---- from other modules' events ------------------------------------------------------------------------------
def _payload_error(field: str, message: str) -> DomainError:
    return DomainError(f"payload.{field}", message, code="invalid_payload")


def _decimal(row: dict, key: str, where: str) -> Decimal | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise _payload_error(f"{where}.{key}", "Not a decimal number.") from exc


@transaction.atomic
def sales_order_from_quote_event(*, event, actor=None) -> SalesOrder:
    """The draft sales order of an accepted quote (`crm.quote.accepted`): exactly one per quote, priced as
    accepted; a second delivery finds the first order."""
    payload, company = event.payload or {}, event.company
    quote = Quote.objects.filter(company=company, pk=payload.get("quote_id")).first()
    if quote is None:
        raise _payload_error("quote_id", f"No quote {payload.get('quote_id')} in {company.code}.")
    existing = SalesOrder.objects.filter(quote=quote).first()
    if existing is not None:
        return existing
    customer = Party.objects.filter(company=company, pk=payload.get("customer_id")).first()
    if customer is None:
        raise _payload_error("customer_id", f"No party {payload.get('customer_id')} in {company.code}.")
    currency = Currency.objects.filter(code=payload.get("currency")).first() or quote.currency
    lines = []
    for index, row in enumerate(payload.get("lines") or []):
        where = f"lines.{index}"
        item = Item.objects.select_related("current_revision").filter(company=company, pk=row.get("item_id")).first()
        if item is None:
            raise _payload_error(f"{where}.item_id", f"No item {row.get('item_id')} in {company.code}.")
        lines.append({"item": item, "quantity": _decimal(row, "quantity", where),
                      "unit_price": _decimal(row, "unit_price", where),
                      "discount_percent": _decimal(row, "discount_percent", where),
                      "tax_rate": _decimal(row, "tax_rate", where), "description": row.get("description") or ""})
    return sales_order_create(company=company, actor=actor, customer=customer, quote=quote, currency=currency,
                              lines=lines, notes=f"From quote {quote} accepted by the customer.")


@transaction.atomic
def sales_order_record_shipment(*, event, actor=None) -> SalesOrder | None:
    """A shipment of the order left (`scm.shipment.shipped`): add its quantities to the lines (item by item, in
    line order) and move the order to partially delivered or delivered; once per shipment event. Shipments of no
    sales order of the company are ignored (None)."""
    payload, company = event.payload or {}, event.company
    number = payload.get("sales_order_number")
    if not number:
        return None
    found = SalesOrder.objects.filter(company=company, number=number).first()
    if found is None:
        return None
    order = _lock(found)
    if any(entry.get("event_id") == event.pk for entry in order.shipments):
        return order
    lines = list(order.lines.select_for_update().order_by("line_number"))
    for index, row in enumerate(payload.get("lines") or []):
        quantity = _decimal(row, "quantity", f"lines.{index}") or ZERO
        matching = [line for line in lines if line.item_id == row.get("item_id")]
        for position, line in enumerate(matching):
            open_quantity = max(line.quantity - line.quantity_delivered, ZERO)
            take = quantity if position == len(matching) - 1 else min(quantity, open_quantity)
            line.quantity_delivered += take
            quantity -= take
            if quantity <= 0:
                break
    SalesOrderLine.objects.bulk_update(lines, ["quantity_delivered"])
    before = snapshot(order)
    order.shipments = [*order.shipments, {"number": payload.get("number"), "event_id": event.pk}]
    if order.status in (S.CONFIRMED, S.PARTIALLY_DELIVERED):
        fully = all(line.quantity_delivered >= line.quantity for line in lines)
        with step(order, verb="deliver_fully" if fully else "deliver_partially", actor=actor,
                  lock=already_locked, note={"shipment": payload.get("number")}) as order:
            pass
    else:
        order.save(update_fields=["shipments", "updated_at"])
        record_change(order, actor=actor, action="shipment", before=before)
    return order
