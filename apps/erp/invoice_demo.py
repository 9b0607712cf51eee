"""ERP demo data (receivables): an overdue invoice, one partly paid by a bank transfer, one paid in full, and a
draft to post; the payments through the services like everything else."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.core.models import Party
from apps.erp.models import Invoice
from apps.erp.services.invoices import invoice_create, invoice_post
from apps.erp.services.payments import payment_create, payment_post

D = Decimal


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the demo company's invoices and payments (once)."""
    if Invoice.objects.filter(company=company).exists():
        return
    actor = users.get("accountant") or users["admin"]
    customers = list(Party.objects.filter(company=company, is_customer=True).order_by("number")[:2])
    if not customers:
        return
    today = timezone.localdate()

    def invoice(customer, days_ago: int, lines: list[tuple], post: bool = True):
        drafted = invoice_create(company=company, actor=actor, customer=customer, payment_terms_days=30,
                                 invoice_date=today - datetime.timedelta(days=days_ago), lines=[
                                     {"description": text, "quantity": D(quantity), "unit_price": D(price),
                                      "tax_rate": D("19")} for text, quantity, price in lines])
        return invoice_post(invoice=drafted, actor=actor) if post else drafted

    def pay(customer, days_ago: int, amount: str, settled, reference: str):
        payment = payment_create(company=company, actor=actor, direction="received", party=customer,
                                 amount=D(amount), payment_date=today - datetime.timedelta(days=days_ago),
                                 reference=reference, allocations=[{"invoice": settled, "amount": D(amount)}])
        return payment_post(payment=payment, actor=actor)

    first, second = customers[0], customers[-1]
    invoice(first, 48, [("Service visit and spare parts", "1", "1250.00")])  # due 18 days ago: overdue
    partly = invoice(second, 12, [("Commissioning of the line", "2", "980.00"), ("Travel", "1", "240.00")])
    pay(second, 3, "1000.00", partly, "Transfer 4471")
    paid = invoice(first, 20, [("Operator training", "1", "600.00")])
    pay(first, 5, str(paid.total_with_tax), paid, "Transfer 4455")
    invoice(second, 0, [("Extended warranty, one year", "1", "450.00")], post=False)
