"""Vendor bills (AP): drafts from a purchase order's received, not yet billed quantities or by hand; the three-way
match (`apps.erp.services.matching`) holds a mismatching bill with the reason; posting books it; a posted bill
that nothing has paid is reversed.

Workflow. A draft is numbered when created (`BILL-2026-00001`) and edited freely; `bill_match` runs the match
(pass: the bill stays a draft, ready to post; fail: it is held, `hold_reason` lists every failing line and rule).
A held bill is corrected (edited) and matched again, or released by a finance manager with a reason
(`erp.release_vendorbill`; audited), which posts it despite the mismatch. `bill_post` matches once more and posts
on a pass; a failure holds the bill instead of posting it (the result's status says which). Draft and held bills
are cancelled; a posted bill with nothing paid is reversed (its entry is reversed once, the bill is cancelled).

Amounts, in the bill's currency: line net = round(quantity x unit price), tax = round(net x tax rate %) (the
company's default tax rate, CRM's sales settings, when empty), `total` = Σ nets, `total_tax` = Σ taxes,
`total_with_tax` = their sum. A bill of a purchase order is in the order's currency and its lines' prices default
to the PO prices. The due date defaults to the bill date + the payment terms (default the supplier's).

Posting (journal PUR, `post_entry`, the bill date's period must be open), at the company's rate of the bill date:
* Dr GR/IR (company currency) per line with a PO line: the received value of the billed quantity (`grir_amount`);
* Dr or Cr purchase price variance (company currency): the PO lines' nets in company currency less their GR/IR
  amounts, computed as the figure that balances the entry (so any sub-cent conversion rounding lands there too);
* Dr tax payable (input tax) `total_tax`, Dr the line's account (default: general expenses) for a line without a
  PO line, Cr payables (party: the supplier) `total_with_tax`, each in the bill's currency;
then `amount_due` = `total_with_tax`.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Party
from apps.core.money import round_money
from apps.core.numbering import next_number
from apps.core.selectors import exchange_rate
from apps.core.workflow import step, transition
from apps.crm.services.quotes import line_amounts, sales_settings
from apps.erp.choices import JournalKind, PostingRule
from apps.erp.models import VendorBill, VendorBillLine
from apps.erp.models.invoicing import OpenItemStatus
from apps.erp.services.accounts import account_for, journal_for
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.erp.services.matching import billed_quantity, fmt, grir_amounts, match_bill
from apps.scm.choices import PurchaseOrderStatus
from apps.scm.models import PurchaseOrder, PurchaseOrderLine

ZERO = Decimal(0)
HUNDRED = Decimal(100)
S = OpenItemStatus
EDITABLE = ("supplier", "supplier_reference", "bill_date", "currency", "payment_terms_days", "due_date", "notes",
            "lines")
BILLABLE_ORDER_STATUSES = (PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED,
                           PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CLOSED)


def _check(bill: VendorBill) -> None:
    supplier = bill.supplier
    require_same_company(bill.company, supplier=supplier, purchase_order=bill.purchase_order)
    if not supplier.is_supplier:
        raise DomainError("supplier", f"{supplier.name} is not a supplier.", code="not_supplier")
    order = bill.purchase_order
    if order is not None:
        if order.supplier_id != supplier.pk:
            raise DomainError("purchase_order", f"{order.number} is another supplier's order.",
                              code="other_supplier")
        if order.status not in BILLABLE_ORDER_STATUSES:
            raise DomainError("purchase_order", f"{order.number} is {order.get_status_display().lower()}: only a "
                                                "sent order is billed.", code="not_billable")
        if bill.currency_id != order.currency_id:
            raise DomainError("currency", f"A bill of {order.number} is in the order's currency "
                                          f"{order.currency.code}.", code="other_currency")
    if bill.payment_terms_days is None or not 0 <= bill.payment_terms_days <= 365:
        raise DomainError("payment_terms_days", "From 0 to 365 days.", code="invalid")
    if bill.due_date is not None and bill.due_date < bill.bill_date:
        raise DomainError("due_date", "The due date cannot be before the bill date.", code="invalid")


def _decimal(row: dict, name: str, where: str) -> Decimal | None:
    value = row.get(name)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise DomainError(f"{where}.{name}", "Not a decimal number.", code="invalid") from exc


def _build_lines(bill: VendorBill, rows: list[dict]) -> list[VendorBillLine]:
    """Validate and price line rows (unsaved): a PO line of the bill's order (or of the supplier's, without one),
    positive quantity, unit price (default the PO price), tax rate (default the company's), expense account."""
    default_tax = sales_settings(bill.company).default_tax_rate
    built = []
    for index, row in enumerate(rows):
        where = f"lines.{index}"
        po_line, item, account = row.get("purchase_order_line"), row.get("item"), row.get("account")
        require_same_company(bill.company, **{f"{where}.purchase_order_line": po_line, f"{where}.item": item,
                                              f"{where}.account": account})
        if po_line is not None:
            order = po_line.purchase_order
            if bill.purchase_order_id and order.pk != bill.purchase_order_id:
                raise DomainError(f"{where}.purchase_order_line", f"Not a line of {bill.purchase_order.number}.",
                                  code="other_order")
            if order.supplier_id != bill.supplier_id:
                raise DomainError(f"{where}.purchase_order_line", f"{order.number} is another supplier's order.",
                                  code="other_supplier")
            item = item or po_line.item
            if item.pk != po_line.item_id:
                raise DomainError(f"{where}.item", f"The PO line orders {po_line.item.number}.", code="other_item")
        elif not item and not (row.get("description") or "").strip():
            raise DomainError(f"{where}.description", "A line without a purchase order line says what it bills: an "
                                                      "item or a description.", code="required")
        if account is not None and not account.is_active:
            raise DomainError(f"{where}.account", f"{account} is inactive.", code="inactive")
        quantity = _decimal(row, "quantity", where)
        if quantity is None or quantity <= 0:
            raise DomainError(f"{where}.quantity", "A positive quantity.", code="min_value")
        unit_price = _decimal(row, "unit_price", where)
        if unit_price is None:
            if po_line is None:
                raise DomainError(f"{where}.unit_price", "This field is required.", code="required")
            unit_price = po_line.unit_price
        if unit_price < 0:
            raise DomainError(f"{where}.unit_price", "Cannot be negative.", code="min_value")
        tax_rate = _decimal(row, "tax_rate", where)
        tax_rate = default_tax if tax_rate is None else tax_rate
        if not ZERO <= tax_rate <= HUNDRED:
            raise DomainError(f"{where}.tax_rate", "A percentage from 0 to 100.", code="invalid")
        net, tax = line_amounts(quantity=quantity, unit_price=unit_price, discount_percent=ZERO, tax_rate=tax_rate,
                                currency=bill.currency)
        if max(net, quantity, unit_price) >= Decimal(10) ** 14:
            raise DomainError(f"{where}.quantity", "The amount is too large.", code="max_value")
        built.append(VendorBillLine(line_number=index + 1, purchase_order_line=po_line, item=item,
                                    description=(row.get("description") or "")[:200], quantity=quantity,
                                    unit_price=unit_price, tax_rate=tax_rate, account=account, net=net, tax=tax))
    return built


def _replace_lines(bill: VendorBill, lines: list[VendorBillLine]) -> None:
    bill.lines.all().delete()
    for line in lines:
        line.bill = bill
    VendorBillLine.objects.bulk_create(lines)
    bill.total = sum((line.net for line in lines), ZERO)
    bill.total_tax = sum((line.tax for line in lines), ZERO)
    bill.total_with_tax = bill.total + bill.total_tax
    bill.save(update_fields=["total", "total_tax", "total_with_tax", "updated_at"])


def _default_due_date(bill: VendorBill, due_date_given: bool) -> None:
    if not due_date_given or bill.due_date is None:
        bill.due_date = bill.bill_date + datetime.timedelta(days=bill.payment_terms_days)


@transaction.atomic
def bill_create(*, company: Company, actor, supplier: Party, lines: list[dict], purchase_order=None,
                supplier_reference: str = "", bill_date: datetime.date | None = None, currency=None,
                payment_terms_days: int | None = None, due_date: datetime.date | None = None,
                notes: str = "") -> VendorBill:
    """A draft bill (number `BILL-2026-00001`) with its lines priced and totalled. Defaults: today, the purchase
    order's (else the supplier's, else the company's) currency, the supplier's payment terms, due after them."""
    bill_date = bill_date or timezone.localdate()
    bill = VendorBill(
        company=company, supplier=supplier, purchase_order=purchase_order, bill_date=bill_date,
        supplier_reference=(supplier_reference or "")[:60], notes=notes or "", due_date=due_date,
        currency=currency or (purchase_order.currency if purchase_order else None) or supplier.currency
        or company.currency,
        payment_terms_days=supplier.payment_terms_days if payment_terms_days is None else payment_terms_days)
    _default_due_date(bill, due_date is not None)
    _check(bill)
    built = _build_lines(bill, list(lines or []))
    bill.number = next_number(company=company, doc_type="BILL", date=bill_date)
    bill.save()
    _replace_lines(bill, built)
    record_change(bill, actor=actor, action="create")
    return bill


def _lock(bill: VendorBill) -> VendorBill:
    return (VendorBill.objects.select_for_update(of=("self",))
            .select_related("company", "company__currency", "currency", "supplier", "purchase_order")
            .get(pk=bill.pk))


def _require_open(bill: VendorBill, doing: str) -> None:
    if bill.status not in (S.DRAFT, S.HELD):
        raise ConflictError("status", f"Only a draft or held bill can be {doing}; {bill} is "
                                      f"{bill.get_status_display().lower()}.", code="locked",
                            extra={"current": bill.status})


def _current_rows(bill: VendorBill) -> list[dict]:
    return [{"purchase_order_line": line.purchase_order_line, "item": line.item, "description": line.description,
             "quantity": line.quantity, "unit_price": line.unit_price, "tax_rate": line.tax_rate,
             "account": line.account}
            for line in bill.lines.select_related("purchase_order_line__purchase_order", "item", "account")]


@transaction.atomic
def bill_update(*, instance: VendorBill, actor, **fields) -> VendorBill:
    """Change a draft or held bill; given lines replace the existing ones. A held bill stays held until it is
    matched again. A posted bill is not changed (409): it is reversed."""
    bill = _lock(instance)
    _require_open(bill, "changed")
    before = snapshot(bill)
    unknown = sorted(set(fields) - set(EDITABLE) - {"company", "purchase_order"})
    if unknown:
        raise DomainError(unknown[0], f"'{unknown[0]}' cannot be changed here.", code="read_only")
    if "purchase_order" in fields and getattr(fields["purchase_order"], "pk", None) != bill.purchase_order_id:
        raise DomainError("purchase_order", "The purchase order of a bill is fixed: cancel it and bill the other "
                                            "order.", code="read_only")
    lines = fields.pop("lines", None)
    due_given = fields.get("due_date") is not None
    for name, value in fields.items():
        if name in ("company", "purchase_order"):
            continue
        if value is None and name in ("currency", "bill_date", "payment_terms_days"):
            continue  # an emptied field keeps its value
        setattr(bill, name, value if value is not None or name == "due_date" else "")
    _default_due_date(bill, due_given)
    _check(bill)
    built = _build_lines(bill, _current_rows(bill) if lines is None else list(lines))
    bill.save()
    _replace_lines(bill, built)
    record_change(bill, actor=actor, action="update", before=before)
    return bill


@transaction.atomic
def bill_delete(*, instance: VendorBill, actor) -> None:
    """Delete a draft or held bill (a posted one is reversed instead)."""
    bill = _lock(instance)
    _require_open(bill, "deleted")
    record_change(bill, actor=actor, action="delete", before=snapshot(bill), after=None)
    bill.delete()


@transaction.atomic
def bill_from_purchase_order(*, company: Company, actor, purchase_order: PurchaseOrder, supplier_reference: str = "",
                             bill_date: datetime.date | None = None, notes: str = "") -> VendorBill:
    """A draft bill of a purchase order: one line per PO line with received, not yet billed quantity (received
    less what held, posted or paid bills claim), at the PO price; refused when nothing is left to bill."""
    require_same_company(company, purchase_order=purchase_order)
    order = PurchaseOrder.objects.select_related("supplier", "currency").get(pk=purchase_order.pk)
    rows = []
    for po_line in PurchaseOrderLine.objects.filter(purchase_order=order).select_related("item").order_by(
            "line_number"):
        open_quantity = po_line.quantity_received - billed_quantity(po_line)
        if open_quantity > 0:
            rows.append({"purchase_order_line": po_line, "quantity": open_quantity, "unit_price": po_line.unit_price,
                         "description": f"{order.number}/{po_line.line_number} {po_line.item.name}"[:200]})
    if not rows:
        raise DomainError("purchase_order", f"Nothing of {order.number} is received and not yet billed.",
                          code="nothing_to_bill")
    return bill_create(company=company, actor=actor, supplier=order.supplier, purchase_order=order, lines=rows,
                       supplier_reference=supplier_reference, bill_date=bill_date, notes=notes)


def _lines_for_match(bill: VendorBill) -> list[VendorBillLine]:
    """The bill's lines, their PO lines locked (two bills of one PO line are matched one after the other)."""
    ids = list(bill.lines.exclude(purchase_order_line=None).values_list("purchase_order_line", flat=True))
    list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    return list(bill.lines.select_related("purchase_order_line__purchase_order__currency",
                                          "purchase_order_line__item", "account").order_by("line_number"))


def _run_match(bill: VendorBill) -> bool:
    """Match a locked bill; a failure holds it with the reasons (the caller saves). True when it passed."""
    lines = _lines_for_match(bill)
    if not lines:
        raise DomainError("lines", "A bill needs at least one line.", code="required")
    failures = match_bill(bill, lines)
    if failures:
        if bill.status != S.HELD:
            transition(bill, verb="hold")
        bill.hold_reason = "\n".join(failures)
        return False
    bill.hold_reason = ""
    return True


@transaction.atomic
def bill_match(*, bill: VendorBill, actor) -> VendorBill:
    """Run the three-way match on a draft or held bill: a pass leaves (or puts back) a draft ready to post, a
    failure holds it with every failing line and rule in `hold_reason`."""
    with step(bill, verb="match", actor=actor, lock=_lock, fields=["hold_reason"]) as locked:
        _run_match(locked)
    return locked


def _book(bill: VendorBill, actor) -> None:
    """Post the locked bill's journal entry (module docstring) and set its rate, entry and amount due."""
    company, currency = bill.company, bill.currency
    rate = exchange_rate(company=company, currency=currency, date=bill.bill_date)
    lines = _lines_for_match(bill)
    if not lines:
        raise DomainError("lines", "A bill needs at least one line.", code="required")
    grir = grir_amounts(bill, lines)
    company_currency = company.currency
    foreign = currency.pk != company_currency.pk

    def row(account, amount: Decimal, description: str, party=None) -> dict:
        if foreign:
            return {"account": account, "currency": currency, "amount": amount, "description": description,
                    "party": party}
        return {"account": account, "debit": max(amount, ZERO), "credit": max(-amount, ZERO),
                "description": description, "party": party}

    def converted(amount: Decimal) -> Decimal:
        return round_money(abs(amount) * rate, company_currency)

    entry_lines, expenses, tax_converted, grir_total = [], ZERO, ZERO, ZERO
    grir_account = account_for(company=company, rule=PostingRule.GRIR)
    for line in lines:
        po_line = line.purchase_order_line
        if po_line is None:
            if line.net:
                account = line.account or account_for(company=company, rule=PostingRule.EXPENSES)
                entry_lines.append(row(account, line.net, line.description or str(line.item or "")))
                expenses += converted(line.net)
            continue
        line.grir_amount = grir[line.pk]
        grir_total += line.grir_amount
        if line.grir_amount:
            entry_lines.append({"account": grir_account, "debit": line.grir_amount, "description":
                                f"{po_line.purchase_order.number}/{po_line.line_number} {po_line.item.number} "
                                f"{fmt(line.quantity)} received value"})
    VendorBillLine.objects.bulk_update(lines, ["grir_amount"])
    if bill.total_tax:
        entry_lines.append(row(account_for(company=company, rule=PostingRule.TAX_PAYABLE), bill.total_tax,
                               "Input tax"))
        tax_converted = converted(bill.total_tax)
    payable = converted(bill.total_with_tax)
    entry_lines.append(row(account_for(company=company, rule=PostingRule.PAYABLES), -bill.total_with_tax,
                           f"{bill.supplier.name} {bill.supplier_reference}".strip(), party=bill.supplier))
    if any(line.purchase_order_line_id for line in lines):
        variance = payable - tax_converted - expenses - grir_total
        if variance:
            entry_lines.append({"account": account_for(company=company, rule=PostingRule.PURCHASE_PRICE_VARIANCE),
                                "debit": max(variance, ZERO), "credit": max(-variance, ZERO),
                                "description": "Purchase price variance"})
    memo = f"Bill {bill.number} of {bill.supplier.name}" + (f" ({bill.supplier_reference})"
                                                           if bill.supplier_reference else "")
    bill.entry = post_entry(company=company, journal=journal_for(company=company, kind=JournalKind.PURCHASES),
                            date=bill.bill_date, memo=memo, lines=entry_lines, source=bill, actor=actor)
    bill.exchange_rate = rate
    bill.amount_due = bill.total_with_tax
    bill.posted_at = timezone.now()


POSTED_FIELDS = ["entry", "exchange_rate", "amount_due", "posted_at", "hold_reason", "release_reason"]


@transaction.atomic
def bill_post(*, bill: VendorBill, actor) -> VendorBill:
    """Match a draft once more and post it (module docstring); a mismatch holds it instead (the returned bill's
    status is `held`, with the reason). Posting twice, a held bill (release it or match it again) or a date in a
    closed period is refused."""
    locked = _lock(bill)
    before = snapshot(locked)
    transition(locked, verb="post")  # 409 unless a draft
    locked.status = S.DRAFT
    if not _run_match(locked):
        locked.save(update_fields=["status", "hold_reason", "updated_at"])
        record_change(locked, actor=actor, action="hold", before=before)
        return locked
    transition(locked, verb="post")
    _book(locked, actor)
    locked.save(update_fields=["status", *POSTED_FIELDS, "updated_at"])
    record_change(locked, actor=actor, action="post", before=before)
    return locked


@transaction.atomic
def bill_release(*, bill: VendorBill, actor, reason: str) -> VendorBill:
    """A finance manager (`erp.release_vendorbill`) posts a held bill despite the mismatch, with the reason
    (audited); its hold reason stays on record."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason", "Say why the held bill is released.", code="required")
    with step(bill, verb="release", actor=actor, lock=_lock, fields=POSTED_FIELDS,
              note={"reason": reason}) as locked:
        locked.release_reason = reason
        _book(locked, actor)
    return locked


@transaction.atomic
def bill_cancel(*, bill: VendorBill, actor) -> VendorBill:
    """Cancel a draft or held bill: it will not be posted, and its quantities are free to bill again."""
    with step(bill, verb="cancel", actor=actor, lock=_lock) as locked:
        pass
    return locked


@transaction.atomic
def bill_reverse(*, bill: VendorBill, actor, date: datetime.date | None = None) -> VendorBill:
    """Reverse a posted bill that nothing has paid: its journal entry is reversed once (dated the bill date
    unless `date` is given, in an open period) and the bill is cancelled; its quantities are free to bill again."""
    with step(bill, verb="reverse", actor=actor, lock=_lock, fields=["amount_due"]) as locked:
        if locked.entry_id is None:
            raise ConflictError("status", f"{locked} has no journal entry to reverse.", code="no_entry")
        journal_entry_reverse(entry=locked.entry, actor=actor, date=date, memo=f"Reversal of bill {locked.number}",
                              through_document=True)
        locked.amount_due = ZERO
    return locked
