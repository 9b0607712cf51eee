"""Quotes: lines priced from price lists, totals, versions, send / accept / reject / expire, and price lists.

Totals, in the quote's currency with its number of decimals `d` (EUR 2, JPY 0), rounded half up:

* line net   = round(quantity x unit price x (1 - discount % / 100), d)
* line tax   = round(line net x tax rate % / 100, d)
* total      = Σ line nets (before tax); total_tax = Σ line taxes; total_with_tax = total + total_tax

so the printed lines always add up to the printed totals. Only items with a released revision are quoted.
A sent quote is revised by a new version: a draft copy with the same number and `version + 1`; the old version
becomes superseded and stays as the customer saw it. Accepting tells ERP (`crm.quote.accepted`, with the lines)
and wins the quote's opportunity if it is still open; a quote whose validity date has passed is not accepted.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Party
from apps.core.money import round_money
from apps.core.numbering import next_number
from apps.core.services.records import record_create, record_update
from apps.core.workflow import transition
from apps.crm.choices import OpportunityStatus, QuoteStatus, TimelineKind
from apps.crm.events import QUOTE_ACCEPTED, QUOTE_SENT, quote_payload
from apps.crm.models import PriceList, Quote, QuoteLine, SalesSettings
from apps.crm.selectors import price_for
from apps.crm.services.common import check_company, check_contact, check_customer, keep_fields
from apps.crm.services.pipeline import opportunity_win
from apps.crm.services.timeline import announce
from apps.plm.choices import RevisionStatus

ZERO = Decimal(0)
HUNDRED = Decimal(100)
EDITABLE = ("customer", "contact", "opportunity", "currency", "quote_date", "valid_until", "terms", "notes", "owner",
            "lines")


def sales_settings(company: Company) -> SalesSettings:
    """The company's sales settings (defaults while it has none saved)."""
    return SalesSettings.objects.filter(company=company).first() or SalesSettings(company=company)


def line_amounts(*, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal,
                 currency) -> tuple[Decimal, Decimal]:
    """(net, tax) of one line, each rounded to the currency's decimals (see the module docstring)."""
    net = round_money(quantity * unit_price * (1 - discount_percent / HUNDRED), currency)
    return net, round_money(net * tax_rate / HUNDRED, currency)


def unreleased(item) -> str | None:
    """Why the item cannot be quoted, or None: it needs a released revision in force."""
    revision = item.current_revision
    return None if revision is not None and revision.status == RevisionStatus.RELEASED else "has no released revision"


def price_lines(*, company: Company, customer: Party, currency, on: datetime.date, lines: list[dict], document: str,
                verb: str, refusal: Callable[[object], str | None]) -> list[dict]:
    """Validate line rows of a customer document (a quote, a sales order) and price them; one dict per row with
    `line_number`, `item`, `description`, `quantity`, `unit_price`, `price_list`, `discount_percent`, `tax_rate`,
    `net` and `tax` (see the module docstring).

    Each row needs an item of the company that `refusal` accepts (else "cannot be <verb>") and a positive quantity;
    without a unit price the most specific price list's break on `on` gives it; discount and tax rate are
    percentages from 0 to 100 (the tax rate defaults to the company's sales settings).
    """
    if not lines:
        raise DomainError("lines", f"{document} needs at least one line.", code="required")
    default_tax = sales_settings(company).default_tax_rate
    priced = []
    for index, row in enumerate(lines):
        where = f"lines.{index}"
        item, quantity = row.get("item"), row.get("quantity")
        if item is None:
            raise DomainError(f"{where}.item", "This field is required.", code="required")
        require_same_company(company, **{f"{where}.item": item})
        why = refusal(item)
        if why:
            raise DomainError(f"{where}.item", f"Line {index + 1}: {item.number} {why} and cannot be {verb}.",
                              code="not_released")
        if quantity is None or Decimal(quantity) <= 0:
            raise DomainError(f"{where}.quantity", "The quantity must be positive.", code="min_value")
        quantity = Decimal(quantity)
        unit_price, price_list = row.get("unit_price"), None
        if unit_price is None:
            found = price_for(company=company, customer=customer, item=item, quantity=quantity, currency=currency,
                              date=on)
            if found is None:
                raise DomainError(f"{where}.unit_price",
                                  f"Line {index + 1}: no price of {item.number} for {customer.name} in "
                                  f"{currency.code} on {on.isoformat()}: give a unit price or "
                                  "add the item to a price list.", code="no_price")
            unit_price, price_list = found.unit_price, found.price_list
        unit_price = Decimal(unit_price)
        if unit_price < 0:
            raise DomainError(f"{where}.unit_price", "The unit price cannot be negative.", code="min_value")
        discount = Decimal(row.get("discount_percent") or 0)
        tax_rate = default_tax if row.get("tax_rate") is None else Decimal(row["tax_rate"])
        for name, value in (("discount_percent", discount), ("tax_rate", tax_rate)):
            if not ZERO <= value <= HUNDRED:
                raise DomainError(f"{where}.{name}", "A percentage from 0 to 100.", code="invalid")
        net, tax = line_amounts(quantity=quantity, unit_price=unit_price, discount_percent=discount,
                                tax_rate=tax_rate, currency=currency)
        priced.append({"line_number": index + 1, "item": item, "description": row.get("description") or "",
                       "quantity": quantity, "unit_price": unit_price, "price_list": price_list,
                       "discount_percent": discount, "tax_rate": tax_rate, "net": net, "tax": tax})
    return priced


def replace_lines(document, lines: list, *, link: str) -> None:
    """Replace a draft document's `lines` with these unsaved line rows (their `link` field pointed at it) and store
    its totals: `total` = Σ nets, `total_tax` = Σ taxes, `total_with_tax` = their sum."""
    document.lines.all().delete()
    for line in lines:
        setattr(line, link, document)
    document.lines.model.objects.bulk_create(lines)
    document.total = sum((line.net for line in lines), ZERO)
    document.total_tax = sum((line.tax for line in lines), ZERO)
    document.total_with_tax = document.total + document.total_tax
    document.save(update_fields=["total", "total_tax", "total_with_tax", "updated_at"])


def _build_lines(*, quote: Quote, lines: list[dict]) -> list[QuoteLine]:
    """Validate the rows and price them: the price list's break when no unit price is given."""
    return [QuoteLine(**values) for values in price_lines(
        company=quote.company, customer=quote.customer, currency=quote.currency, on=quote.quote_date, lines=lines,
        document="A quote", verb="quoted", refusal=unreleased)]


def _check(quote: Quote) -> None:
    company = quote.company
    check_customer(quote.customer, company)
    check_contact(quote.contact, quote.customer)
    check_company(company, opportunity=quote.opportunity, owner=quote.owner)
    if quote.opportunity is not None and quote.opportunity.customer_id != quote.customer_id:
        raise DomainError("opportunity", f"{quote.opportunity} is another customer's opportunity.",
                          code="other_customer")
    if quote.valid_until < quote.quote_date:
        raise DomainError("valid_until", "A quote cannot expire before its date.", code="invalid")


@transaction.atomic
def quote_create(*, company: Company, actor, customer: Party, lines: list[dict], currency=None, opportunity=None,
                 contact=None, quote_date: datetime.date | None = None, valid_until: datetime.date | None = None,
                 terms: str | None = None, notes: str = "", owner=None) -> Quote:
    """A draft quote (number `QT-2026-00001`, version 1) with its lines priced and totalled. Defaults: the
    opportunity's or customer's currency, today, valid for the company's validity days, the company's terms."""
    settings = sales_settings(company)
    quote_date = quote_date or timezone.localdate()
    quote = Quote(
        company=company, customer=customer, contact=contact, opportunity=opportunity,
        currency=currency or (opportunity.currency if opportunity else None) or customer.currency or company.currency,
        quote_date=quote_date,
        valid_until=valid_until or quote_date + datetime.timedelta(days=settings.quote_validity_days),
        terms=terms or settings.quote_terms, notes=notes,
        owner=owner or (actor if getattr(actor, "pk", None) else None))
    _check(quote)
    built = _build_lines(quote=quote, lines=lines)
    quote.number = next_number(company=company, doc_type="QT", date=quote_date)
    quote.save()
    replace_lines(quote, built, link="quote")
    record_change(quote, actor=actor, action="create")
    return quote


def _lock(quote: Quote) -> Quote:
    return (Quote.objects.select_for_update(of=("self",))
            .select_related("company", "currency", "customer", "opportunity").get(pk=quote.pk))


def _require_draft(quote: Quote, doing: str) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise ConflictError("status", f"Only a draft quote can be {doing}; {quote} is "
                                      f"{quote.get_status_display().lower()} (revise it for a new version).",
                            code="locked")


@transaction.atomic
def quote_update(*, instance: Quote, actor, **fields) -> Quote:
    """Change a draft; given lines replace the existing ones (prices defaulted again where none is given)."""
    quote = _lock(instance)
    _require_draft(quote, "changed")
    before = snapshot(quote)
    fields = keep_fields(fields, EDITABLE)
    lines = fields.pop("lines", None)
    fields_given_lines = lines is not None
    for name, value in fields.items():
        if value is None and name in ("currency", "quote_date", "valid_until"):
            continue  # an emptied field keeps its value
        setattr(quote, name, value)
    _check(quote)
    if lines is None:  # the lines stay; their amounts follow a new currency
        lines = [{"item": line.item, "quantity": line.quantity, "unit_price": line.unit_price,
                  "discount_percent": line.discount_percent, "tax_rate": line.tax_rate,
                  "description": line.description} for line in quote.lines.select_related("item__current_revision")]
    built = _build_lines(quote=quote, lines=lines) if lines or fields_given_lines else []
    quote.save()
    replace_lines(quote, built, link="quote")
    record_change(quote, actor=actor, action="update", before=before)
    return quote


@transaction.atomic
def quote_delete(*, instance: Quote, actor) -> None:
    """Delete a draft first version (a revision's draft is the only current version of its quote: it stays)."""
    quote = _lock(instance)
    _require_draft(quote, "deleted")
    if quote.version > 1:
        raise ConflictError("version", f"{quote} revises version {quote.version - 1}: it cannot be deleted.",
                            code="revision")
    record_change(quote, actor=actor, action="delete", before=snapshot(quote), after=None)
    quote.delete()


@transaction.atomic
def quote_send(*, quote: Quote, actor) -> Quote:
    """Send a draft to the customer: it is then fixed (`crm.quote.sent`)."""
    quote = _lock(quote)
    before = snapshot(quote)
    transition(quote, verb="send")
    if not quote.lines.exists():
        raise DomainError("lines", "A quote needs at least one line.", code="required")
    quote.sent_at = timezone.now()
    quote.save()
    record_change(quote, actor=actor, action="send", before=before)
    lines = quote.lines.select_related("item").order_by("line_number")
    announce(QUOTE_SENT, subject=quote, customer=quote.customer, payload=quote_payload(quote, lines),
             kind=TimelineKind.QUOTE_SENT, title=f"Quote {quote} sent, valid until {quote.valid_until.isoformat()}",
             reference=quote.number, amount=quote.total, currency_code=quote.currency.code)
    return quote


@transaction.atomic
def quote_accept(*, quote: Quote, actor) -> Quote:
    """The customer accepted: `crm.quote.accepted` with the lines (ERP makes the sales order from it); the
    opportunity is won if still open. A quote past its validity date answers 409."""
    quote = _lock(quote)
    if quote.status == QuoteStatus.SENT and quote.valid_until < timezone.localdate():
        raise ConflictError("valid_until", f"{quote} expired on {quote.valid_until.isoformat()}: revise it with a "
                                           "new validity date.", code="expired",
                            extra={"current": quote.status, "requested": QuoteStatus.ACCEPTED,
                                   "allowed_transitions": ["revise"]})
    before = snapshot(quote)
    transition(quote, verb="accept")
    quote.decided_at = timezone.now()
    quote.save()
    record_change(quote, actor=actor, action="accept", before=before)
    lines = quote.lines.select_related("item").order_by("line_number")
    announce(QUOTE_ACCEPTED, subject=quote, customer=quote.customer, payload=quote_payload(quote, lines),
             kind=TimelineKind.QUOTE_ACCEPTED, title=f"Quote {quote} accepted", reference=quote.number,
             amount=quote.total, currency_code=quote.currency.code)
    if quote.opportunity is not None and quote.opportunity.status == OpportunityStatus.OPEN:
        opportunity_win(opportunity=quote.opportunity, actor=actor)
    return quote


@transaction.atomic
def quote_reject(*, quote: Quote, actor) -> Quote:
    """The customer declined the quote."""
    quote = _lock(quote)
    before = snapshot(quote)
    transition(quote, verb="reject")
    quote.decided_at = timezone.now()
    quote.save()
    record_change(quote, actor=actor, action="reject", before=before)
    return quote


@transaction.atomic
def quote_expire(*, quote: Quote, actor=None) -> Quote:
    """A sent quote past its validity date expires (the periodic task)."""
    quote = _lock(quote)
    before = snapshot(quote)
    transition(quote, verb="expire")
    quote.save()
    record_change(quote, actor=actor, action="expire", before=before)
    return quote


@transaction.atomic
def quote_revise(*, quote: Quote, actor) -> Quote:
    """A new version of a sent (rejected, expired) quote: a draft copy with the same number and `version + 1`,
    dated today; the old version is superseded and read-only. Returns the new draft."""
    old = _lock(quote)
    before = snapshot(old)
    transition(old, verb="revise")
    old.save()
    record_change(old, actor=actor, action="revise", before=before)
    settings = sales_settings(old.company)
    today = timezone.localdate()
    new = Quote.objects.create(
        company=old.company, number=old.number, version=old.version + 1, customer=old.customer, contact=old.contact,
        opportunity=old.opportunity, currency=old.currency, quote_date=today,
        valid_until=today + datetime.timedelta(days=settings.quote_validity_days), terms=old.terms, notes=old.notes,
        owner=old.owner, previous_version=old, total=old.total, total_tax=old.total_tax,
        total_with_tax=old.total_with_tax)
    QuoteLine.objects.bulk_create([
        QuoteLine(quote=new, line_number=line.line_number, item_id=line.item_id, description=line.description,
                  quantity=line.quantity, unit_price=line.unit_price, discount_percent=line.discount_percent,
                  tax_rate=line.tax_rate, net=line.net, tax=line.tax, price_list_id=line.price_list_id)
        for line in old.lines.all()])
    record_change(new, actor=actor, action="create")
    return new


def quotes_expire_past_validity(*, today: datetime.date | None = None) -> list[str]:
    """Expire every sent quote whose validity date has passed (each in its own transaction); the numbers."""
    today = today or timezone.localdate()
    expired = []
    for quote in Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).order_by("id"):
        expired.append(str(quote_expire(quote=quote, actor=None)))
    return expired


# ---- price lists ---------------------------------------------------------------------------------------------
PRICE_LIST_FIELDS = ("name", "currency", "customer", "segment", "valid_from", "valid_to", "is_active", "breaks")


def _check_price_list(company: Company, fields: dict) -> None:
    check_company(company, segment=fields.get("segment"))
    if fields.get("customer") is not None:
        check_customer(fields["customer"], company)
    if fields.get("customer") is not None and fields.get("segment") is not None:
        raise DomainError("segment", "A price list is for one customer, one segment or everyone: not both.",
                          code="customer_and_segment")
    for index, row in enumerate(fields.get("breaks") or []):
        item = row.get("item")
        if item is not None and item.company_id != company.pk:
            raise DomainError(f"breaks.{index}.item", "Belongs to another company.")


@transaction.atomic
def price_list_create(*, company: Company, actor, **fields) -> PriceList:
    """A price list with its breaks (item, from quantity, unit price)."""
    fields = keep_fields(fields, PRICE_LIST_FIELDS)
    _check_price_list(company, fields)
    return record_create(model=PriceList, actor=actor, company=company, **fields)


@transaction.atomic
def price_list_update(*, instance: PriceList, actor, **fields) -> PriceList:
    """Change a price list; given breaks replace the existing ones. Quotes already priced keep their prices."""
    fields = keep_fields(fields, PRICE_LIST_FIELDS)
    merged = {"customer": instance.customer, "segment": instance.segment, **fields}
    _check_price_list(instance.company, merged)
    return record_update(instance=instance, actor=actor, **fields)
