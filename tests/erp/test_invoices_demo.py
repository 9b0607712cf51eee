"""`seed_demo` for ERP receivables: an overdue invoice, a partly paid one, a paid one and a draft, once; the books
still balance. (The e-bike history's invoices of its sales orders: tests/core/test_demo_company.py.)"""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.erp.models import Invoice, Payment
from apps.erp.selectors import trial_balance


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_invoices():
    call_command("seed_demo")
    invoices = Invoice.objects.filter(sales_order__isnull=True)  # invoice_demo's, of no sales order
    first = list(invoices.order_by("id").values_list("number", "status", "amount_due"))
    call_command("seed_demo")
    assert list(invoices.order_by("id").values_list("number", "status", "amount_due")) == first
    assert sorted(status for _n, status, _due in first) == ["draft", "paid", "partially_paid", "posted"]
    today = timezone.localdate()
    overdue = invoices.get(status="posted")
    assert overdue.due_date < today
    assert Payment.objects.filter(status="posted", allocations__invoice__in=invoices).distinct().count() == 2
    company = overdue.company
    assert trial_balance(company=company, date=today).difference == 0
