"""Payments received from customers and paid to suppliers: drafts with their allocations, posting, reversal.

Allocations. A received payment settles the party's posted, unpaid invoices; a paid one the party's posted, unpaid
vendor bills. In this version an allocated document is of the payment's company, party and currency; each
allocation is at most the document's `amount_due` and all together at most the payment's `amount`; what is not
allocated stays on the party's account (`amount_unallocated`).

Posting (journal of kind bank, `BNK`, in an open period of the payment date), in the payment's currency:

    received:  Dr bank (the payment's account, else the `bank` rule)    amount
                   Cr receivables (party)                                amount
    paid:      Dr payables (party)                                       amount
                   Cr bank                                               amount

and each allocated document's `amount_due` falls by its allocation (status partially paid or paid). The documents
are locked (`select_for_update`, in id order) and the allocations checked again against them while posting, so two
payments posted at the same time can never settle more than a document's amount due: the second waits for the
first and is refused if the document is no longer due enough. A received payment emits `erp.payment.received`.

Reversing a posted payment reverses its entry once (`entries.journal_entry_reverse`) and gives each document its
allocation back as amount due.
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
from apps.core.outbox import emit
from apps.core.selectors import exchange_rate
from apps.core.workflow import step
from apps.crm.services.common import keep_fields
from apps.erp.choices import AccountKind, JournalKind, PostingRule
from apps.erp.events import PAYMENT_RECEIVED, payment_payload
from apps.erp.models import Invoice, Payment, PaymentAllocation, VendorBill
from apps.erp.models.invoicing import UNPAID_STATUSES, InvoiceKind, PaymentDirection
from apps.erp.services.accounts import account_for, journal_for
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.erp.services.invoices import settle
from apps.erp.services.periods import require_open_period

ZERO = Decimal(0)
D = PaymentDirection
EDITABLE = ("direction", "party", "payment_date", "currency", "amount", "account", "reference", "notes",
            "allocations")


def _check(payment: Payment) -> None:
    if payment.direction not in D.values:
        raise DomainError("direction", f"One of {', '.join(D.values)}.", code="invalid_choice")
    if payment.party_id is None:
        raise DomainError("party", "This field is required.", code="required")
    require_same_company(payment.company, party=payment.party, account=payment.account)
    if payment.account is not None:
        if not payment.account.is_active:
            raise DomainError("account", f"{payment.account} is inactive.", code="inactive")
        if payment.account.kind != AccountKind.ASSET:
            raise DomainError("account", f"{payment.account} is not an asset (bank or cash) account.",
                              code="invalid")
    if payment.amount is None or payment.amount <= 0:
        raise DomainError("amount", "The amount must be positive.", code="min_value")
    if round_money(payment.amount, payment.currency) != payment.amount:
        raise DomainError("amount", f"At most {payment.currency.decimals} decimals in {payment.currency.code}.",
                          code="max_decimal_places")


def _document_field(payment: Payment) -> str:
    return "invoice" if payment.direction == D.RECEIVED else "bill"


def _check_allocation(payment: Payment, index: int, document, amount: Decimal) -> None:
    """One allocation against the document as it is now (see the module docstring)."""
    field = f"allocations.{index}.{_document_field(payment)}"
    require_same_company(payment.company, **{field: document})
    party_id = document.customer_id if isinstance(document, Invoice) else document.supplier_id
    if party_id != payment.party_id:
        raise DomainError(field, f"{document} is another party's, not {payment.party.name}'s.", code="other_party")
    if document.currency_id != payment.currency_id:
        raise DomainError(field, f"{document} is in {document.currency.code}, the payment in "
                                 f"{payment.currency.code}: allocate to documents in the payment's currency.",
                          code="other_currency")
    if isinstance(document, Invoice) and document.kind != InvoiceKind.INVOICE:
        raise DomainError(field, f"{document} is a credit note: a payment settles invoices.", code="invalid")
    if document.status not in UNPAID_STATUSES:
        raise DomainError(field, f"{document} is {document.get_status_display().lower()}: only a posted, unpaid "
                                 "document is settled.", code="not_due")
    if amount is None or amount <= 0:
        raise DomainError(f"allocations.{index}.amount", "The amount must be positive.", code="min_value")
    if amount > document.amount_due:
        raise DomainError(f"allocations.{index}.amount", f"{document} is due {document.amount_due} "
                                                         f"{document.currency.code}: {amount} is more.",
                          code="more_than_due", extra={"amount_due": str(document.amount_due)})


def _allocations(payment: Payment, rows: list[dict]) -> list[PaymentAllocation]:
    """Check the rows (`invoice` or `bill`, `amount`) and build the unsaved allocations."""
    own = _document_field(payment)
    other = "bill" if own == "invoice" else "invoice"
    built, seen = [], set()
    for index, row in enumerate(rows):
        if row.get(other) is not None:
            kind = "received payment settles invoices" if own == "invoice" else "paid payment settles bills"
            raise DomainError(f"allocations.{index}.{other}", f"A {kind}.", code="invalid")
        document = row.get(own)
        if document is None:
            raise DomainError(f"allocations.{index}.{own}", "This field is required.", code="required")
        if document.pk in seen:
            raise DomainError(f"allocations.{index}.{own}", f"{document} is allocated twice.", code="unique")
        seen.add(document.pk)
        amount = row.get("amount")
        amount = None if amount is None else Decimal(amount)
        _check_allocation(payment, index, document, amount)
        built.append(PaymentAllocation(amount=amount, **{own: document}))
    allocated = sum((a.amount for a in built), ZERO)
    if allocated > payment.amount:
        raise DomainError("allocations", f"The allocations total {allocated} {payment.currency.code}, more than "
                                         f"the payment's {payment.amount}.", code="over_allocated")
    return built


def _save_allocations(payment: Payment, allocations: list[PaymentAllocation]) -> None:
    payment.allocations.all().delete()
    for allocation in allocations:
        allocation.payment = payment
    PaymentAllocation.objects.bulk_create(allocations)
    payment.amount_unallocated = payment.amount - sum((a.amount for a in allocations), ZERO)
    payment.save(update_fields=["amount_unallocated", "updated_at"])


@transaction.atomic
def payment_create(*, company: Company, actor, direction: str, party: Party, amount: Decimal,
                   allocations: list[dict] | None = None, currency=None, payment_date: datetime.date | None = None,
                   account=None, reference: str = "", notes: str = "") -> Payment:
    """A draft payment (number `PAY-2026-00001`) with its allocations (rows of `invoice` or `bill` and `amount`).
    Defaults: the party's currency (else the company's), today, the `bank` rule's account when posted."""
    payment_date = payment_date or timezone.localdate()
    payment = Payment(company=company, direction=direction, party=party, amount=amount, account=account,
                      currency=currency or getattr(party, "currency", None) or company.currency,
                      payment_date=payment_date, reference=reference or "", notes=notes or "")
    _check(payment)
    built = _allocations(payment, list(allocations or []))
    payment.number = next_number(company=company, doc_type="PAY", date=payment_date)
    payment.save()
    _save_allocations(payment, built)
    record_change(payment, actor=actor, action="create")
    return payment


def _lock(payment: Payment) -> Payment:
    return (Payment.objects.select_for_update(of=("self",))
            .select_related("company", "company__currency", "currency", "party", "account", "entry")
            .get(pk=payment.pk))


def _require_draft(payment: Payment, doing: str) -> None:
    if payment.status != "draft":
        raise ConflictError("status", f"Only a draft payment can be {doing}; {payment} is "
                                      f"{payment.get_status_display().lower()} (reverse it instead).",
                            code="locked", extra={"current": payment.status})


@transaction.atomic
def payment_update(*, instance: Payment, actor, **fields) -> Payment:
    """Change a draft; given allocations replace the existing ones (which are checked again either way)."""
    payment = _lock(instance)
    _require_draft(payment, "changed")
    before = snapshot(payment)
    fields = keep_fields(fields, EDITABLE)
    rows = fields.pop("allocations", None)
    for name, value in fields.items():
        if value is None and name in ("currency", "payment_date"):
            continue
        setattr(payment, name, value)
    _check(payment)
    if rows is None:
        rows = [{"invoice": a.invoice, "bill": a.bill, "amount": a.amount}
                for a in payment.allocations.select_related("invoice", "bill")]
    built = _allocations(payment, list(rows))
    payment.save()
    _save_allocations(payment, built)
    record_change(payment, actor=actor, action="update", before=before)
    return payment


@transaction.atomic
def payment_delete(*, instance: Payment, actor) -> None:
    """Delete a draft (a posted payment is reversed instead)."""
    payment = _lock(instance)
    _require_draft(payment, "deleted")
    record_change(payment, actor=actor, action="delete", before=snapshot(payment), after=None)
    payment.delete()


def _locked_documents(allocations: list[PaymentAllocation]) -> dict:
    """The allocated invoices and bills, locked in id order (two payments never deadlock on them)."""
    invoices = [a.invoice_id for a in allocations if a.invoice_id]
    bills = [a.bill_id for a in allocations if a.bill_id]
    locked = {}
    for model, ids in ((Invoice, invoices), (VendorBill, bills)):
        if ids:
            rows = model.objects.select_for_update(of=("self",)).select_related("currency").filter(pk__in=ids)
            locked.update({(model, row.pk): row for row in rows.order_by("pk")})
    return locked


def _document(locked: dict, allocation: PaymentAllocation):
    return locked[(Invoice, allocation.invoice_id)] if allocation.invoice_id else locked[(VendorBill,
                                                                                         allocation.bill_id)]


def _change_due(document, amount: Decimal, actor, payment: Payment, action: str) -> None:
    """Add `amount` (negative: settle) to a locked document's amount due, with its status and audit."""
    before = snapshot(document)
    document.amount_due += amount
    settle(document)
    document.save(update_fields=["amount_due", "status", "updated_at"])
    record_change(document, actor=actor, action=action, before=before,
                  after={**snapshot(document), "payment": payment.number, "amount": str(-amount)})


def _entry_rows(payment: Payment) -> list[dict]:
    company, currency = payment.company, payment.currency
    bank = payment.account or account_for(company=company, rule=PostingRule.BANK)
    label = f"{payment.number} {payment.party.name}"
    if payment.direction == D.RECEIVED:
        return [{"account": bank, "currency": currency, "amount": payment.amount, "description": label},
                {"account": account_for(company=company, rule=PostingRule.RECEIVABLES), "party": payment.party,
                 "currency": currency, "amount": -payment.amount, "description": label}]
    return [{"account": account_for(company=company, rule=PostingRule.PAYABLES), "party": payment.party,
             "currency": currency, "amount": payment.amount, "description": label},
            {"account": bank, "currency": currency, "amount": -payment.amount, "description": label}]


@transaction.atomic
def payment_post(*, payment: Payment, actor) -> Payment:
    """Post a draft payment into an open period: the entry, the allocated documents settled (checked again under
    their locks), `amount_unallocated`; a received payment emits `erp.payment.received`. Twice answers 409."""
    with step(payment, verb="post", actor=actor, lock=_lock) as posted:
        company = posted.company
        require_open_period(company=company, date=posted.payment_date, field="payment_date")
        allocations = list(posted.allocations.order_by("id"))
        locked = _locked_documents(allocations)
        for index, allocation in enumerate(allocations):
            _check_allocation(posted, index, _document(locked, allocation), allocation.amount)
        allocated = sum((a.amount for a in allocations), ZERO)
        if allocated > posted.amount:
            raise DomainError("allocations", "The allocations exceed the payment's amount.", code="over_allocated")
        for allocation in allocations:
            _change_due(_document(locked, allocation), -allocation.amount, actor, posted, "payment")
        posted.amount_unallocated = posted.amount - allocated
        posted.exchange_rate = exchange_rate(company=company, currency=posted.currency, date=posted.payment_date)
        verb = "received from" if posted.direction == D.RECEIVED else "paid to"
        posted.entry = post_entry(company=company, journal=journal_for(company=company, kind=JournalKind.BANK),
                                  date=posted.payment_date, memo=f"Payment {posted.number} {verb} "
                                                                 f"{posted.party.name}",
                                  lines=_entry_rows(posted), source=posted, actor=actor)
        posted.posted_at = timezone.now()
    if posted.direction == D.RECEIVED:
        emit(PAYMENT_RECEIVED, company=posted.company, subject=posted,
             payload=payment_payload(posted, list(posted.allocations.select_related("invoice", "bill"))))
    return posted


@transaction.atomic
def payment_reverse(*, payment: Payment, actor, date: datetime.date | None = None, memo: str = "") -> Payment:
    """Reverse a posted payment once: its entry's mirror is posted (dated the payment's date unless `date` is
    given, in an open period) and each allocated document is due its allocation again."""
    with step(payment, verb="reverse", actor=actor, lock=_lock) as reversed_:
        journal_entry_reverse(entry=reversed_.entry, actor=actor, date=date, through_document=True,
                              memo=memo or f"Reversal of payment {reversed_.number}")
        allocations = list(reversed_.allocations.order_by("id"))
        locked = _locked_documents(allocations)
        for allocation in allocations:
            _change_due(_document(locked, allocation), allocation.amount, actor, reversed_, "payment_reversed")
    return reversed_
