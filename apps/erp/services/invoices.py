"""Customer invoices and credit notes (AR): drafts, posting to the books, cancelling, crediting; drafted from SCM's
shipments (`scm.shipment.shipped`) or from a sales order's delivered quantities, or by hand.

Lines are priced as CRM prices a quote's and ERP a sales order's (`apps.crm.services.quotes.price_lines` and
`line_amounts`), in the invoice's currency with its decimals, half up: line net = round(quantity x unit price x
(1 - discount % / 100)), line tax = round(net x tax rate % / 100); `total` = Σ nets, `total_tax` = Σ taxes,
`total_with_tax` = total + total_tax. A line without an item (a service, freight) gives its unit price.

Numbers. A draft carries a provisional number (`DINV-2026-00001`); posting gives the final one from the company's
sequence without gaps: `INV-2026-00001` for an invoice, `CN-2026-00001` for a credit note.

Posting (journal of kind sales, `SAL`, through `entries.post_entry`, in an open period of the invoice date):

    Dr receivables (party = customer)        total_with_tax
        Cr revenue (line account, else the `revenue` rule)   each line's net
        Cr tax payable                                        total_tax

in the invoice's currency (`post_entry` converts at the company's rate of the invoice date and books the rounding
difference). A credit note books the mirror and reduces the credited invoice's `amount_due` by up to its total
(the invoice becomes partially paid or paid); what exceeds the invoice's amount due stays due to the customer as
the credit note's own `amount_due`. Posting is a workflow step: a second post (or a credit note applied twice) is
refused (409). Posting emits `erp.invoice.posted` (CRM's customer timeline).

When every delivered quantity of a delivered sales order is on posted invoices, the order moves to invoiced
(`sales.sales_order_invoice`, the one way an order is invoiced).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Party
from apps.core.money import round_money
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.selectors import exchange_rate
from apps.core.workflow import step, take_step, transition
from apps.crm.services.common import check_customer, keep_fields
from apps.crm.services.quotes import line_amounts, price_lines, replace_lines, sales_settings
from apps.erp.choices import JournalKind, PostingRule
from apps.erp.events import INVOICE_POSTED, invoice_payload
from apps.erp.models import Invoice, InvoiceLine, SalesOrder, SalesOrderLine, SalesOrderStatus
from apps.erp.models.invoicing import SETTLED_STATUSES, InvoiceKind, OpenItemStatus
from apps.erp.services.accounts import account_for, journal_for
from apps.erp.services.entries import post_entry
from apps.erp.services.periods import require_open_period
from apps.erp.services.sales import sales_order_invoice
from apps.scm.models import Shipment

ZERO = Decimal(0)
HUNDRED = Decimal(100)
ST = OpenItemStatus
EDITABLE = ("customer", "currency", "invoice_date", "payment_terms_days", "due_date", "notes", "lines")
# a credit note's lines are the credited invoice's: only their quantities change
CREDIT_NOTE_EDITABLE = ("invoice_date", "payment_terms_days", "due_date", "notes", "lines")


def _reindexed(error: DomainError, index: int) -> DomainError:
    """A one-row `price_lines` error named for the row's place in the invoice."""
    field = (error.field or "").replace("lines.0.", f"lines.{index}.", 1)
    return type(error)(field, error.message.replace("Line 1:", f"Line {index + 1}:", 1), code=error.code)


def _line(invoice: Invoice, index: int, row: dict) -> InvoiceLine:
    """One priced, unsaved line: an item's by CRM's pricing (price lists when no price is given), an item-less
    line (a service, freight) by its given unit price and description."""
    where = f"lines.{index}"
    account, order_line = row.get("account"), row.get("sales_order_line")
    if order_line is not None:
        require_same_company(invoice.company, **{f"{where}.sales_order_line": order_line})
        if order_line.order_id != invoice.sales_order_id:
            raise DomainError(f"{where}.sales_order_line", f"Not a line of the invoice's sales order "
                                                           f"{invoice.sales_order or '(none)'}.", code="invalid")
    if account is not None:
        require_same_company(invoice.company, **{f"{where}.account": account})
        if not account.is_active:
            raise DomainError(f"{where}.account", f"{account} is inactive.", code="inactive")
    if row.get("item") is not None:
        try:
            values = price_lines(company=invoice.company, customer=invoice.customer, currency=invoice.currency,
                                 on=invoice.invoice_date, lines=[row], document="An invoice", verb="invoiced",
                                 refusal=lambda item: None)[0]
        except DomainError as error:
            raise _reindexed(error, index) from error
        values.pop("price_list")
    else:
        if not (row.get("description") or "").strip():
            raise DomainError(f"{where}.description", "A line without an item needs a description.",
                              code="required")
        quantity, unit_price = row.get("quantity"), row.get("unit_price")
        if quantity is None or Decimal(quantity) <= 0:
            raise DomainError(f"{where}.quantity", "The quantity must be positive.", code="min_value")
        if unit_price is None or Decimal(unit_price) < 0:
            raise DomainError(f"{where}.unit_price", "A line without an item needs a unit price (0 or more).",
                              code="required")
        discount = Decimal(row.get("discount_percent") or 0)
        tax_rate = (sales_settings(invoice.company).default_tax_rate if row.get("tax_rate") is None
                    else Decimal(row["tax_rate"]))
        for name, value in (("discount_percent", discount), ("tax_rate", tax_rate)):
            if not ZERO <= value <= HUNDRED:
                raise DomainError(f"{where}.{name}", "A percentage from 0 to 100.", code="invalid")
        net, tax = line_amounts(quantity=Decimal(quantity), unit_price=Decimal(unit_price),
                                discount_percent=discount, tax_rate=tax_rate, currency=invoice.currency)
        values = {"item": None, "description": row["description"].strip(), "quantity": Decimal(quantity),
                  "unit_price": Decimal(unit_price), "discount_percent": discount, "tax_rate": tax_rate,
                  "net": net, "tax": tax}
    values["line_number"] = index + 1
    return InvoiceLine(**values, account=account, sales_order_line=row.get("sales_order_line"),
                       credited_line=row.get("credited_line"))


def _build_lines(invoice: Invoice, rows: list[dict]) -> list[InvoiceLine]:
    if not rows:
        raise DomainError("lines", "An invoice needs at least one line.", code="required")
    return [_line(invoice, index, row) for index, row in enumerate(rows)]


def _check(invoice: Invoice) -> None:
    check_customer(invoice.customer, invoice.company)
    require_same_company(invoice.company, sales_order=invoice.sales_order, shipment=invoice.shipment)
    if invoice.sales_order_id and invoice.sales_order.customer_id != invoice.customer_id:
        raise DomainError("customer", f"Sales order {invoice.sales_order} is another customer's.",
                          code="other_customer")
    if invoice.payment_terms_days is None or not 0 <= invoice.payment_terms_days <= 365:
        raise DomainError("payment_terms_days", "From 0 to 365 days.", code="invalid")
    if invoice.due_date is not None and invoice.due_date < invoice.invoice_date:
        raise DomainError("due_date", "An invoice cannot be due before its date.", code="invalid")


def _default_due(invoice: Invoice) -> datetime.date:
    return invoice.invoice_date + datetime.timedelta(days=invoice.payment_terms_days)


def _create(*, company: Company, actor, customer: Party, rows: list[dict], kind: str = InvoiceKind.INVOICE,
            currency=None, invoice_date=None, payment_terms_days=None, due_date=None, notes: str = "",
            sales_order=None, shipment=None, source_event=None, credited_invoice=None) -> Invoice:
    invoice_date = invoice_date or timezone.localdate()
    terms = payment_terms_days
    if terms is None:
        terms = sales_order.payment_terms_days if sales_order is not None else 30
    invoice = Invoice(
        company=company, kind=kind, customer=customer, invoice_date=invoice_date, payment_terms_days=terms,
        currency=currency or (sales_order.currency if sales_order else None) or customer.currency or company.currency,
        sales_order=sales_order, shipment=shipment, source_event=source_event, credited_invoice=credited_invoice,
        notes=notes or "", due_date=due_date)
    _check(invoice)
    invoice.due_date = invoice.due_date or _default_due(invoice)
    built = _build_lines(invoice, rows)
    invoice.number = next_number(company=company, doc_type="DINV", date=invoice_date)
    invoice.save()
    replace_lines(invoice, built, link="invoice")
    record_change(invoice, actor=actor, action="create")
    return invoice


@transaction.atomic
def invoice_create(*, company: Company, actor, customer: Party, lines: list[dict], currency=None,
                   invoice_date: datetime.date | None = None, payment_terms_days: int | None = None,
                   due_date: datetime.date | None = None, sales_order: SalesOrder | None = None,
                   notes: str = "") -> Invoice:
    """A draft invoice by hand, lines priced and totalled. Defaults: the sales order's or the customer's currency
    (else the company's), today, the sales order's payment terms (else 30 days), due at the date plus the terms.
    Line rows: `item` or `description`, `quantity`, `unit_price` (default: the price list), `discount_percent`,
    `tax_rate` (default: the company's), `account` (default: the revenue rule's)."""
    return _create(company=company, actor=actor, customer=customer, rows=lines, currency=currency,
                   invoice_date=invoice_date, payment_terms_days=payment_terms_days, due_date=due_date,
                   sales_order=sales_order, notes=notes)


def _lock(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",))
            .select_related("company", "company__currency", "currency", "customer", "sales_order", "shipment",
                            "credited_invoice")
            .get(pk=invoice.pk))


def _require_draft(invoice: Invoice, doing: str) -> None:
    if invoice.status != ST.DRAFT:
        raise ConflictError("status", f"Only a draft can be {doing}; {invoice} is "
                                      f"{invoice.get_status_display().lower()} (credit it instead).", code="locked",
                            extra={"current": invoice.status})


def _stored_rows(invoice: Invoice) -> list[dict]:
    return [{"item": line.item, "description": line.description, "quantity": line.quantity,
             "unit_price": line.unit_price, "discount_percent": line.discount_percent, "tax_rate": line.tax_rate,
             "account": line.account, "sales_order_line": line.sales_order_line, "credited_line": line.credited_line}
            for line in invoice.lines.select_related("item__current_revision", "account").order_by("line_number")]


@transaction.atomic
def invoice_update(*, instance: Invoice, actor, **fields) -> Invoice:
    """Change a draft; given lines replace the existing ones. A credit note's lines stay the credited invoice's
    lines: rows given for them, in the same order, change only their quantities (within what may still be
    credited). A new date or payment terms move the due date unless one is given."""
    invoice = _lock(instance)
    _require_draft(invoice, "changed")
    before = snapshot(invoice)
    allowed = CREDIT_NOTE_EDITABLE if invoice.kind == InvoiceKind.CREDIT_NOTE else EDITABLE
    fields = keep_fields(fields, allowed)
    rows = fields.pop("lines", None)
    for name, value in fields.items():
        if value is None and name in ("currency", "invoice_date", "payment_terms_days"):
            continue  # an emptied field keeps its value
        setattr(invoice, name, value)
    if "due_date" not in fields and ({"invoice_date", "payment_terms_days"} & set(fields)):
        invoice.due_date = None
    _check(invoice)
    invoice.due_date = invoice.due_date or _default_due(invoice)
    if invoice.kind == InvoiceKind.CREDIT_NOTE and rows is not None:
        rows = _credit_quantities(invoice, rows)
    if rows is None:  # the lines stay (priced again: a new currency or date)
        rows = _stored_rows(invoice)
        built = _build_lines(invoice, rows) if rows else []
    else:
        built = _build_lines(invoice, rows)
    invoice.save()
    replace_lines(invoice, built, link="invoice")
    record_change(invoice, actor=actor, action="update", before=before)
    return invoice


def _credit_quantities(credit_note: Invoice, rows: list[dict]) -> list[dict]:
    """The credit note's stored lines with the quantities of `rows` (same order), checked against the invoice."""
    stored = _stored_rows(credit_note)
    if len(rows) != len(stored):
        raise DomainError("lines", f"A credit note's lines are those of {credit_note.credited_invoice} it credits: "
                                   "change their quantities (or cancel it and credit again).", code="invalid")
    wanted = []
    for index, (row, line) in enumerate(zip(rows, stored, strict=True)):
        quantity = row.get("quantity")
        if quantity is None or Decimal(quantity) <= 0:
            raise DomainError(f"lines.{index}.quantity", "The quantity must be positive.", code="min_value")
        line["quantity"] = Decimal(quantity)
        wanted.append((line["credited_line"], line["quantity"], f"lines.{index}.quantity"))
    _check_credit_quantities(credit_note.credited_invoice, wanted, exclude=credit_note)
    return stored


@transaction.atomic
def invoice_delete(*, instance: Invoice, actor) -> None:
    """Delete a draft (a posted invoice is credited instead)."""
    invoice = _lock(instance)
    _require_draft(invoice, "deleted")
    record_change(invoice, actor=actor, action="delete", before=snapshot(invoice), after=None)
    invoice.delete()


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor) -> Invoice:
    """Cancel a draft: it is kept, never posted, and its quantities count as not invoiced."""
    return take_step(invoice, verb="cancel", actor=actor, lock=_lock)


# ---- posting ----------------------------------------------------------------------------------------------------
def settle(document, *, actor=None) -> None:
    """The status that follows a locked document's new `amount_due` (paid, partially paid, posted), taken through
    its workflow's settlement steps; the caller saves it."""
    if document.amount_due == 0:
        target = ST.PAID
    elif document.amount_due >= document.total_with_tax:
        target = ST.POSTED
    else:
        target = ST.PARTIALLY_PAID
    if document.status != target:
        transition(document, to=target)  # invoices and bills share the settlement steps (SETTLEMENT_STEPS)


def _entry_rows(invoice: Invoice, lines: list[InvoiceLine]) -> list[dict]:
    """The entry's rows in the invoice's currency: + debit, - credit; a credit note the mirror."""
    company, sign = invoice.company, (-1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1)
    revenue = account_for(company=company, rule=PostingRule.REVENUE)
    party, currency = invoice.customer, invoice.currency
    rows = [{"account": account_for(company=company, rule=PostingRule.RECEIVABLES), "party": party,
             "currency": currency, "amount": sign * invoice.total_with_tax,
             "description": f"{invoice.number} {party.name}"}]
    for line in lines:
        if line.net:
            rows.append({"account": line.account or revenue, "party": party, "currency": currency,
                         "amount": -sign * line.net,
                         "description": f"{invoice.number}/{line.line_number} "
                                        f"{line.item.number if line.item_id else line.description}"})
    if invoice.total_tax:
        rows.append({"account": account_for(company=company, rule=PostingRule.TAX_PAYABLE), "party": party,
                     "currency": currency, "amount": -sign * invoice.total_tax,
                     "description": f"{invoice.number} tax"})
    return rows


def _apply_credit(credit_note: Invoice, actor) -> None:
    """Reduce the credited invoice's amount due by the credit note's total (at most what is due); the rest stays
    due to the customer on the credit note."""
    credited = _lock(credit_note.credited_invoice)
    if credited.status not in SETTLED_STATUSES:
        raise ConflictError("credited_invoice", f"{credited} is {credited.get_status_display().lower()}: only a "
                                                "posted invoice is credited.", code="not_posted")
    _check_credit_quantities(credited, [(line.credited_line, line.quantity, f"lines.{i}.quantity")
                                        for i, line in enumerate(credit_note.lines.select_related("credited_line"))],
                             exclude=credit_note)
    applied = min(credit_note.total_with_tax, credited.amount_due)
    before = snapshot(credited)
    credited.amount_due -= applied
    settle(credited)
    credited.save(update_fields=["amount_due", "status", "updated_at"])
    record_change(credited, actor=actor, action="credit", before=before,
                  after={**snapshot(credited), "credit_note": credit_note.number, "applied": str(applied)})
    credit_note.amount_due = credit_note.total_with_tax - applied
    settle(credit_note)


@transaction.atomic
def invoice_post(*, invoice: Invoice, actor) -> Invoice:
    """Post a draft invoice or credit note into an open period (module docstring): final number, the entry,
    `amount_due`; emits `erp.invoice.posted`. A second post answers 409."""
    with step(invoice, verb="post", actor=actor, lock=_lock) as posted:
        lines = list(posted.lines.select_related("item", "account").order_by("line_number"))
        if not lines:
            raise DomainError("lines", f"{posted} has no lines to post.", code="required")
        if posted.total_with_tax <= 0:
            raise DomainError("lines", f"{posted} totals {posted.total_with_tax}: nothing to post.", code="zero")
        company = posted.company
        require_open_period(company=company, date=posted.invoice_date, field="invoice_date")
        posted.exchange_rate = exchange_rate(company=company, currency=posted.currency, date=posted.invoice_date)
        posted.due_date = posted.due_date or _default_due(posted)
        doc_type = "CN" if posted.kind == InvoiceKind.CREDIT_NOTE else "INV"
        posted.number = next_number(company=company, doc_type=doc_type, date=posted.invoice_date)
        label = "Credit note" if posted.kind == InvoiceKind.CREDIT_NOTE else "Invoice"
        posted.entry = post_entry(company=company, journal=journal_for(company=company, kind=JournalKind.SALES),
                                  date=posted.invoice_date, memo=f"{label} {posted.number} {posted.customer.name}",
                                  lines=_entry_rows(posted, lines), source=posted, actor=actor)
        posted.posted_at = timezone.now()
        posted.amount_due = posted.total_with_tax
        if posted.kind == InvoiceKind.CREDIT_NOTE:
            _apply_credit(posted, actor)
    emit(INVOICE_POSTED, company=posted.company, subject=posted, payload=invoice_payload(posted))
    if posted.sales_order_id and posted.kind == InvoiceKind.INVOICE:
        invoice_order_if_done(sales_order=posted.sales_order, actor=actor)
    return posted


# ---- credit notes -----------------------------------------------------------------------------------------------
def _credited_quantities(invoice: Invoice, exclude: Invoice | None = None) -> dict[int, Decimal]:
    """Per line of `invoice`: the quantity on its credit notes that are not cancelled."""
    lines = InvoiceLine.objects.filter(credited_line__invoice=invoice).exclude(invoice__status=ST.CANCELLED)
    if exclude is not None:
        lines = lines.exclude(invoice=exclude)
    return dict(lines.order_by().values_list("credited_line").annotate(q=Sum("quantity")))


def _check_credit_quantities(invoice: Invoice, wanted: list[tuple], exclude: Invoice | None = None) -> None:
    """Never more than invoiced minus already credited, line by line."""
    credited = _credited_quantities(invoice, exclude)
    for line, quantity, field in wanted:
        remaining = line.quantity - credited.get(line.pk, ZERO)
        if quantity > remaining:
            raise DomainError(field, f"Line {line.line_number} of {invoice}: at most {remaining.normalize()} can "
                                     f"still be credited ({line.quantity.normalize()} invoiced).",
                              code="more_than_invoiced", extra={"remaining": str(remaining)})


@transaction.atomic
def credit_note_create(*, invoice: Invoice, actor, lines: list[dict] | None = None,
                       invoice_date: datetime.date | None = None, notes: str = "") -> Invoice:
    """A draft credit note of a posted invoice: all that is not yet credited (no `lines`), or some lines and
    quantities (`lines`: rows of `line` (an invoice line) and `quantity`), at the invoice's prices, discounts and
    tax rates. Never more than invoiced minus already credited (drafts count). Posting it books the mirror and
    reduces the invoice's amount due."""
    credited = _lock(invoice)
    if credited.kind != InvoiceKind.INVOICE:
        raise DomainError("invoice", f"{credited} is a credit note: only an invoice is credited.", code="invalid")
    if credited.status not in SETTLED_STATUSES:
        raise ConflictError("status", f"{credited} is {credited.get_status_display().lower()}: only a posted "
                                      "invoice is credited.", code="not_posted", extra={"current": credited.status})
    invoice_lines = {line.pk: line for line in credited.lines.select_related("item__current_revision", "account")}
    if lines is None:
        done = _credited_quantities(credited)
        wanted = [(line, line.quantity - done.get(line.pk, ZERO), f"lines.{i}.quantity")
                  for i, line in enumerate(sorted(invoice_lines.values(), key=lambda x: x.line_number))]
        wanted = [row for row in wanted if row[1] > 0]
        if not wanted:
            raise ConflictError("lines", f"{credited} is fully credited already.", code="fully_credited")
    else:
        if not lines:
            raise DomainError("lines", "Name at least one line to credit.", code="required")
        wanted = []
        for index, row in enumerate(lines):
            line = row.get("line")
            line = invoice_lines.get(getattr(line, "pk", line))
            if line is None:
                raise DomainError(f"lines.{index}.line", f"Not a line of {credited}.", code="invalid")
            quantity = row.get("quantity")
            quantity = line.quantity if quantity is None else Decimal(quantity)
            if quantity <= 0:
                raise DomainError(f"lines.{index}.quantity", "The quantity must be positive.", code="min_value")
            wanted.append((line, quantity, f"lines.{index}.quantity"))
        for index, (line, _, _) in enumerate(wanted):
            if any(other is line for other, _, _ in wanted[:index]):
                raise DomainError(f"lines.{index}.line", f"Line {line.line_number} is named twice.", code="unique")
    _check_credit_quantities(credited, wanted)
    rows = [{"item": line.item, "description": line.description or (line.item.name if line.item_id else ""),
             "quantity": quantity, "unit_price": line.unit_price, "discount_percent": line.discount_percent,
             "tax_rate": line.tax_rate, "account": line.account, "sales_order_line": line.sales_order_line,
             "credited_line": line} for line, quantity, _ in wanted]
    return _create(company=credited.company, actor=actor, customer=credited.customer, rows=rows,
                   kind=InvoiceKind.CREDIT_NOTE, currency=credited.currency, invoice_date=invoice_date,
                   payment_terms_days=0, sales_order=credited.sales_order, credited_invoice=credited,
                   notes=notes or f"Credit of invoice {credited.number}.")


# ---- from sales orders and shipments ----------------------------------------------------------------------------
def invoiced_quantities(order: SalesOrder, statuses=None) -> dict[int, Decimal]:
    """Per sales order line: the quantity on invoices (not credit notes) that are not cancelled (or, given
    `statuses`, in those statuses)."""
    lines = InvoiceLine.objects.filter(sales_order_line__order=order, invoice__kind=InvoiceKind.INVOICE)
    lines = lines.filter(invoice__status__in=statuses) if statuses else lines.exclude(invoice__status=ST.CANCELLED)
    return dict(lines.order_by().values_list("sales_order_line").annotate(q=Sum("quantity")))


def _order_row(line: SalesOrderLine, quantity: Decimal) -> dict:
    return {"item": line.item, "description": line.description, "quantity": quantity,
            "unit_price": line.unit_price, "discount_percent": line.discount_percent, "tax_rate": line.tax_rate,
            "sales_order_line": line}


def _lock_order(order: SalesOrder) -> SalesOrder:
    return (SalesOrder.objects.select_for_update(of=("self",)).select_related("company", "currency", "customer")
            .get(pk=order.pk))


@transaction.atomic
def invoice_from_sales_order(*, sales_order: SalesOrder, actor, invoice_date: datetime.date | None = None,
                             notes: str = "") -> Invoice:
    """A draft invoice of what the order delivered and no invoice (draft or posted) bills yet, at the order's
    prices; 409 when nothing is left to invoice."""
    order = _lock_order(sales_order)
    if order.status not in (SalesOrderStatus.PARTIALLY_DELIVERED, SalesOrderStatus.DELIVERED):
        raise ConflictError("sales_order", f"{order} is {order.get_status_display().lower()}: only delivered "
                                           "quantities are invoiced.", code="not_delivered")
    invoiced = invoiced_quantities(order)
    rows = [_order_row(line, line.quantity_delivered - invoiced.get(line.pk, ZERO))
            for line in order.lines.select_related("item__current_revision").order_by("line_number")
            if line.quantity_delivered > invoiced.get(line.pk, ZERO)]
    if not rows:
        raise ConflictError("sales_order", f"Everything {order} delivered is invoiced already.",
                            code="nothing_to_invoice")
    return _create(company=order.company, actor=actor, customer=order.customer, rows=rows, sales_order=order,
                   invoice_date=invoice_date, notes=notes or f"Delivered on sales order {order.number}.")


@transaction.atomic
def invoice_from_shipment_event(*, event, actor=None) -> Invoice | None:
    """The draft invoice of a shipped shipment (`scm.shipment.shipped`): its quantities at the sales order's line
    prices, matched item by item in line order, never beyond what the order still has to invoice; exactly one per
    event (a second delivery finds the first). A shipment of no sales order of the company drafts nothing."""
    existing = Invoice.objects.filter(source_event=event).first()
    if existing is not None:
        return existing
    payload, company = event.payload or {}, event.company
    number = payload.get("sales_order_number")
    found = SalesOrder.objects.filter(company=company, number=number).first() if number else None
    if found is None:
        return None
    order = _lock_order(found)
    invoiced = invoiced_quantities(order)
    lines = list(order.lines.select_related("item__current_revision").order_by("line_number"))
    open_quantity = {line.pk: line.quantity - invoiced.get(line.pk, ZERO) for line in lines}
    taken: dict[int, Decimal] = {}
    for index, row in enumerate(payload.get("lines") or []):
        try:
            quantity = Decimal(str(row.get("quantity") or 0))
        except ArithmeticError as exc:
            raise DomainError(f"payload.lines.{index}.quantity", "Not a decimal number.",
                              code="invalid_payload") from exc
        for line in (line for line in lines if line.item_id == row.get("item_id")):
            take = min(quantity, max(open_quantity[line.pk], ZERO))
            if take > 0:
                taken[line.pk] = taken.get(line.pk, ZERO) + take
                open_quantity[line.pk] -= take
                quantity -= take
            if quantity <= 0:
                break
    rows = [_order_row(line, taken[line.pk]) for line in lines if taken.get(line.pk)]
    if not rows:
        return None
    shipment = Shipment.objects.filter(company=company, number=payload.get("number")).first()
    return _create(company=company, actor=actor, customer=order.customer, rows=rows, sales_order=order,
                   shipment=shipment, source_event=event,
                   notes=f"Shipment {payload.get('number')} of sales order {order.number}.")


@transaction.atomic
def invoice_order_if_done(*, sales_order: SalesOrder, actor) -> SalesOrder:
    """Move a delivered order to invoiced once posted invoices bill every delivered quantity."""
    order = _lock_order(sales_order)
    if order.status != SalesOrderStatus.DELIVERED:
        return order
    posted = invoiced_quantities(order, statuses=SETTLED_STATUSES)
    if all(posted.get(line.pk, ZERO) >= line.quantity_delivered for line in order.lines.all()):
        return sales_order_invoice(sales_order=order, actor=actor)
    return order


def company_amount(document) -> Decimal:
    """A document's amount due in its company's currency at the rate fixed when it was posted."""
    return round_money(document.amount_due * document.exchange_rate, document.company.currency)
