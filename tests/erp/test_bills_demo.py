"""`seed_demo` for ERP vendor bills: a posted bill of the demo receipt and one held by a price mismatch, once."""

import pytest
from django.core.management import call_command

from apps.erp.models import VendorBill


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_vendor_bills():
    call_command("seed_demo")
    first = list(VendorBill.objects.order_by("id").values_list("number", "status", "total_with_tax"))
    call_command("seed_demo")
    assert list(VendorBill.objects.order_by("id").values_list("number", "status", "total_with_tax")) == first
    assert [status for _number, status, _total in first] == ["posted", "held"]
    held = VendorBill.objects.get(status="held")
    assert "differs from the PO price" in held.hold_reason
    posted = VendorBill.objects.get(status="posted")
    assert posted.entry.lines.filter(account__role="grir", debit__gt=0).exists()
