"""ERP in a real browser, as the accountant of the demo company: the home page's finance queues and revenue chart,
the finance dashboard (its charts drawn, a tile opening its filtered list), the trial balance balancing, a held
vendor bill with its reason, and axe finding nothing serious on the finance screens.

Screenshots go to a temporary folder, or to docs/screenshots/ with MILLWRIGHT_SCREENSHOTS=1 (the README's)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from apps.core.models import Company
from apps.erp.models import Invoice, Payment, VendorBill

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERIOUS = {"critical", "serious"}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = DOCS if os.environ.get("MILLWRIGHT_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    return Company.objects.get(code="DEMO")


def login(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", username)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_accountant_home_dashboard_trial_balance_and_a_held_bill(page, demo, shots):
    page.set_viewport_size({"width": 1400, "height": 1000})
    login(page, "accountant")
    labels = [label.strip() for label in page.locator("[data-testid=queue] .queue-label").all_inner_texts()]
    assert "Bills to match" in labels
    assert "Invoices overdue" in labels
    page.wait_for_selector("[data-testid=home-erp] canvas[data-ready='1']")
    page.screenshot(path=str(shots / "home-accountant.png"), full_page=True)

    page.goto("/erp/dashboard/")
    page.wait_for_selector("[data-testid=chart-revenue] canvas[data-ready='1']")
    page.wait_for_selector("[data-testid=chart-margin] canvas[data-ready='1']")
    inventory = page.locator("[data-testid=inventory] a").inner_text()
    assert inventory.endswith(" EUR")
    assert inventory != "0.00 EUR"  # SCM's demo stock
    page.screenshot(path=str(shots / "erp-dashboard.png"), full_page=True)
    page.click("[data-testid=ar-overdue] a")
    page.wait_for_url("**/erp/invoices/?overdue=true")
    assert page.locator("main h1").inner_text().strip() == "Invoices"

    page.goto("/erp/reports/trial-balance/")
    debit, credit = (page.locator(f"[data-testid=total-{side}]").inner_text() for side in ("debit", "credit"))
    assert debit == credit
    assert debit not in ("0.00", "")
    page.screenshot(path=str(shots / "erp-trial-balance.png"), full_page=True)

    held = VendorBill.objects.get(company=demo, status="held")
    page.goto(f"/erp/bills/{held.pk}/")
    assert held.hold_reason.splitlines()[0][:40] in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "erp-bill-held.png"), full_page=True)


ERP_PAGES = ["/erp/dashboard/", "/erp/invoices/", "/erp/invoices/new/", "/erp/invoices/{invoice}/",
             "/erp/payments/new/", "/erp/payments/{payment}/", "/erp/bills/", "/erp/bills/{bill}/",
             "/erp/reports/trial-balance/", "/erp/reports/inventory-valuation/", "/erp/reports/ar-aging/",
             "/erp/reports/grir/"]


def test_axe_finds_no_serious_violations_on_the_finance_screens(page, demo):
    ids = {"invoice": Invoice.objects.filter(company=demo, status="posted").first().pk,
           "payment": Payment.objects.filter(company=demo).first().pk,
           "bill": VendorBill.objects.filter(company=demo).first().pk}
    login(page, "accountant")
    axe, found = Axe(), {}
    for path in ERP_PAGES:
        url = path.format(**ids)
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in SERIOUS]
        if violations:
            found[url] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert found == {}
