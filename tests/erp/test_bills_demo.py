"""`seed_demo` for ERP vendor bills: a posted bill of the demo receipt and one held by a price mismatch, once."""

import pytest
from django.core.management import call_command

from apps.erp.models import VendorBill
from apps.scm.demo import RECEIVED_PO_NOTE


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_vendor_bills():
    call_command("seed_demo")
    bills = VendorBill.objects.filter(purchase_order__notes=RECEIVED_PO_NOTE)  # bills_demo's (not the history's)
    first = list(bills.order_by("id").values_list("number", "status", "total_with_tax"))
    call_command("seed_demo")
    assert list(bills.order_by("id").values_list("number", "status", "total_with_tax")) == first
    assert [status for _number, status, _total in first] == ["posted", "held"]
    held = bills.get(status="held")
    assert "differs from the PO price" in held.hold_reason
    posted = bills.get(status="posted")
    assert posted.entry.lines.filter(account__role="grir", debit__gt=0).exists()
