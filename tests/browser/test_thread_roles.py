"""The thread in a real browser, four people in turn, each seeing what the one before did:

1. a salesperson qualifies a lead into an opportunity, writes a quote for the pump and sends it;
2. an engineer approves and releases the change order that brings the quoted pump's revision B (MES receives it
   through the outbox and a real Celery worker);
3. an operator scans the work order of revision B on the operator screen, starts, reports 5 good, completes it;
4. the accountant sees the completion on the trial balance (work in progress in and out, finished goods in) and on
   the finance dashboard.

Only what is not the point (the items, the routing, the work order of the released revision, the stock) is made
through services; the four people's steps go through the screens. Screenshots: thread-*.png (see test_pickers)."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.core.models import Event, UnitOfMeasure
from apps.crm.choices import LeadSource
from apps.crm.models import Quote
from apps.crm.services.leads import lead_create
from apps.crm.services.pipeline import pipeline_stages_ensure
from apps.erp.models import JournalEntry
from apps.erp.services.accounts import chart_of_accounts_ensure
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import ManufacturingDefinition
from apps.mes.services.masterdata import routing_create
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.plm.choices import ChangeOrderStatus, ItemType, RevisionStatus
from apps.plm.models import ChangeApprovalRule, Item, Revision
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create, revision_create
from tests.browser.test_pickers import log_in, pick, screenshot
from tests.conftest import wait_for
from tests.mes.factories import WorkCenterFactory
from tests.mes.plant import receive
from tests.scm.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.flow, pytest.mark.xdist_group("browser")]

D = Decimal
WIDE = {"width": 1400, "height": 1000}
SERIOUS = {"critical", "serious"}


def shoot(page, name: str, found: dict) -> None:
    """The screenshot of a main screen of the thread, and what axe finds serious on it (gathered, asserted at the
    end so that one finding does not hide the rest of the thread)."""
    screenshot(page, name, full_page=True)
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    if violations:
        found[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def log_out(page) -> None:
    page.context.clear_cookies()


def confirm(page, question: str) -> None:
    """Say yes in the page's confirmation dialog, after checking what it asks."""
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    expect(dialog.locator("[data-testid=confirm-text]")).to_contain_text(question)
    dialog.locator("[data-confirm-ok]").click()


def released(company, revision, *, author, engineer, title):
    """Release a revision by an ECO through the services (the set-up, not the engineer's step under test)."""
    order = change_order_create(company=company, title=title, actor=author, revisions=[revision])
    change_order_submit(change_order=order, actor=author)
    change_order_approve(change_order=order, actor=engineer)
    return change_order_release(change_order=order, actor=author)


@pytest.fixture
def thread(celery_worker, company, user, make_user):
    """Four people of Acme, a pump sold at revision A whose revision B (with a cast housing) waits for approval,
    its routing over the assembly cell, the parts in stock, and a lead from a trade fair."""
    people = {role: make_user(company, role, username=name) for role, name in (
        ("Sales", "sally"), ("Engineering", "eddie"), ("Production", "otto"), ("Finance", "fiona"))}
    chart_of_accounts_ensure(company=company)
    pipeline_stages_ensure(company=company)
    ChangeApprovalRule.objects.create(company=company, role=Group.objects.get(name="Engineering"), required_count=1)
    ea = UnitOfMeasure.objects.get(code="ea")
    pump = item_create(company=company, number="PUMP-X2", name="Circulation pump X2", uom=ea, actor=user,
                       item_type=ItemType.MAKE)
    seal = item_create(company=company, number="SEAL-40", name="Shaft seal 40 mm", uom=ea, actor=user,
                       with_revision=False)
    housing = item_create(company=company, number="HOUSING-C", name="Cast pump housing", uom=ea, actor=user,
                          with_revision=False)
    rev_a = Revision.objects.get(item=pump, code="A")
    bom_line_add(revision=rev_a, component=seal, quantity=D(2), actor=user)
    released(company, rev_a, author=user, engineer=people["Engineering"], title="First release of the X2")
    rev_b = revision_create(item=pump, actor=user, notes="Cast housing instead of the welded one")
    bom_line_add(revision=rev_b, component=housing, quantity=D(1), actor=user)
    eco = change_order_create(company=company, title="X2 with a cast housing", actor=user, revisions=[rev_b],
                              reason="Customer asks for a quieter pump")
    change_order_submit(change_order=eco, actor=user)

    assembly = WorkCenterFactory(company=company, code="ASM", name="Assembly cell", hourly_rate=D(0),
                                 machine_hourly_rate=D(0))
    routing_create(company=company, actor=user, item=pump, name="Standard", operations=[
        {"sequence": 10, "work_center": assembly, "name": "Assemble and test", "setup_minutes": 0,
         "run_minutes_per_unit": 6}])
    stock = LocationFactory(company=company, code="MAIN/STOCK")
    receive(company, seal, "20", location=stock, unit_cost="1.50", user=user)
    receive(company, housing, "10", location=stock, unit_cost="4.00", user=user)
    lead = lead_create(company=company, actor=people["Sales"], name="Dana Fischer", company_name="Fischer Pumpen GmbH",
                       email="dana@fischer-pumpen.example", source=LeadSource.TRADE_SHOW)
    return {"people": people, "pump": pump, "rev_b": rev_b, "eco": eco, "assembly": assembly, "stock": stock,
            "lead": lead, "admin": user}


def sell(page, thread, found) -> Quote:
    """1. Sales: qualify the lead, quote 5 pumps from its opportunity, send the quote."""
    lead = thread["lead"]
    log_in(page, "sally")
    page.goto(f"/crm/leads/{lead.pk}/")
    qualify = page.locator("[data-testid=step-qualify]")
    qualify.locator("[name=title]").fill("Fischer: 5 quiet X2 pumps")
    qualify.locator("[name=amount]").fill("2250")
    qualify.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=status]")).to_have_text("Qualified")
    lead.refresh_from_db()
    opportunity = lead.opportunity
    assert (opportunity.title, opportunity.amount, opportunity.customer.name) == (
        "Fischer: 5 quiet X2 pumps", D("2250.00"), "Fischer Pumpen GmbH")
    # the lead links what qualifying made: the customer and the opportunity
    fields = page.locator(".detail-fields")
    expect(fields.locator("a", has_text="Fischer Pumpen GmbH")).to_have_count(1)
    shoot(page, "thread-sales-lead.png", found)

    fields.locator("a", has_text=opportunity.number).click()
    page.wait_for_url(f"**/crm/opportunities/{opportunity.pk}/")
    expect(page.locator("main")).to_contain_text("2,250.00")
    page.click("text=New quote")
    page.wait_for_url("**/crm/quotes/new/**")
    pick(page, "id_lines-0-item", "X2", "PUMP-X2")
    page.fill("[name=lines-0-quantity]", "5")
    page.fill("[name=lines-0-unit_price]", "450")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_url("**/crm/quotes/*/")
    expect(page.locator("[data-testid=status]")).to_have_text("Draft")
    page.locator("[data-testid=step-send] button").click()
    expect(page.locator("[data-testid=status]")).to_have_text("Sent")
    expect(page.locator("[data-testid=total]")).to_have_text("2,250.00")
    expect(page.locator("[data-testid=total-with-tax]")).to_have_text("2,677.50")  # with 19 % tax
    expect(page.locator("[data-testid=quote-lines] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=quote-lines] tbody tr")).to_contain_text("PUMP-X2")
    page.set_viewport_size(WIDE)
    shoot(page, "thread-sales-quote.png", found)
    quote = Quote.objects.get(opportunity=opportunity)
    assert (quote.customer, quote.status, quote.total) == (opportunity.customer, "sent", D("2250.00"))
    return quote


def engineer(page, thread, found) -> None:
    """2. Engineering: the change order of the quoted pump's revision B, approved and released."""
    eco, rev_b = thread["eco"], thread["rev_b"]
    log_in(page, "eddie")
    # the home page's queue counts it and opens the list filtered as counted
    queue = page.locator("[data-testid=queue]", has_text="Change orders waiting for my approval")
    expect(queue.locator("[data-testid=queue-count]")).to_have_text("1")
    queue.click()
    page.wait_for_url("**/plm/change-orders/?*awaiting_me=true*")
    page.click(f"text={eco.number}")
    page.wait_for_url(f"**/plm/change-orders/{eco.pk}/")
    expect(page.locator("[data-testid=status]")).to_have_text("Submitted")
    expect(page.locator("main")).to_contain_text("PUMP-X2")
    expect(page.locator("[data-testid=step-release]")).to_have_count(0)  # not before the approval
    approve = page.locator("[data-testid=step-approve]")
    approve.locator("[name=comment]").fill("Housing drawing checked")
    approve.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=status]")).to_have_text("Approved")
    expect(page.locator("#approvals")).to_contain_text("Housing drawing checked")
    page.locator("[data-testid=step-release] button[type=submit]").click()
    confirm(page, "Release these revisions to the factory?")
    expect(page.locator("[data-testid=status]")).to_have_text("Released")
    revisions = page.locator("section[aria-label='Revisions on this order'] tbody tr")
    expect(revisions).to_have_count(1)
    expect(revisions).to_contain_text("Released")
    shoot(page, "thread-eco-released.png", found)
    eco.refresh_from_db()
    rev_b.refresh_from_db()
    assert (eco.status, eco.released_by, rev_b.status) == (ChangeOrderStatus.RELEASED, thread["people"]["Engineering"],
                                                          RevisionStatus.RELEASED)
    assert Item.objects.get(pk=thread["pump"].pk).current_revision == rev_b  # what is quoted is now built as B


def operate(page, thread, work_order, other_order, found) -> None:
    """3. Production: scan the work order at the assembly cell, start, report 5 good, finish, complete."""
    log_in(page, "otto")
    page.goto("/mes/operator/")
    page.locator("[data-testid=work-center]", has_text="ASM").click()
    page.wait_for_url(f"**/mes/operator/{thread['assembly'].pk}/")
    selected = page.locator("[data-testid=selected-operation]")
    expect(selected.locator("h2")).to_have_text(f"{other_order.number} · op 10 Assemble and test")
    expect(page.locator("[data-testid=dispatch-row]")).to_have_count(2)
    scan = page.locator("[data-testid=scan]")
    expect(scan).to_be_focused()  # a scanner types into the page as it opens
    page.keyboard.type(work_order.number.lower())  # the scan field matches any case
    page.keyboard.press("Enter")
    expect(selected.locator("h2")).to_have_text(f"{work_order.number} · op 10 Assemble and test")
    expect(selected.locator("[data-testid=operation-revision]")).to_have_text("rev B")
    expect(page.locator("[data-testid=operation-status]")).to_have_text("Pending")
    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=operation-status]")).to_have_text("In progress")
    page.fill("#finish-good", "5")
    shoot(page, "thread-operator.png", found)
    page.click("[data-testid=finish]")
    expect(page.locator("[data-testid=operation-status]")).to_have_text("Done")
    expect(page.locator("[data-testid=complete-good]")).to_have_value("5")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.click("[data-testid=complete]")
    expect(page.locator(".alert-success")).to_contain_text(f"{work_order.number}: 5 completed.")
    assert asked[0].startswith("Book this completion?")  # the kiosk asks before an irreversible step too
    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity_good, work_order.material_cost) == (
        WorkOrderStatus.COMPLETED, D(5), D("35.00"))


def account(page, thread, work_order, found) -> None:
    """4. Finance: the completion on the trial balance and the dashboard."""
    log_in(page, "fiona")
    page.goto("/erp/reports/trial-balance/")

    def row(code):
        return [cell.strip() for cell in page.locator("[data-testid=trial-balance] tbody tr").filter(
            has=page.locator(f"td:first-child a:text-is('{code}')")).locator("td").all_inner_texts()]

    # raw material: 70.00 received, 35.00 consumed; WIP: in and out again; finished goods: 5 pumps at 7.00
    assert row("1300") == ["1300", "Inventory: raw material", "Asset", "70.00", "35.00", "35.00"]
    assert row("1310") == ["1310", "Inventory: work in progress", "Asset", "35.00", "35.00", "0.00"]
    assert row("1320") == ["1320", "Inventory: finished goods", "Asset", "35.00", "0.00", "35.00"]
    assert row("2100") == ["2100", "GR/IR clearing", "Liability", "0.00", "70.00", "-70.00"]  # the parts' receipt
    debit, credit = (page.locator(f"[data-testid=total-{side}]").inner_text() for side in ("debit", "credit"))
    assert debit == credit == "140.00"
    shoot(page, "thread-trial-balance.png", found)
    page.goto("/erp/dashboard/")
    expect(page.locator("[data-testid=inventory] a")).to_have_text("70.00 EUR")
    expect(page.locator("[data-testid=wip] a")).to_have_text("0.00 EUR")
    shoot(page, "thread-dashboard.png", found)
    # the WIP figure opens its ledger: the work order's components in, its pumps out
    page.click("[data-testid=wip] a")
    page.wait_for_url("**/erp/reports/general-ledger/**")
    lines = page.locator("[data-testid=ledger] tbody tr")
    expect(lines).to_have_count(2)
    assert [[cell.strip() for cell in lines.nth(n).locator("td").all_inner_texts()][3:] for n in range(2)] == [
        [f"{work_order.number} components consumed", "35.00", "0.00", "35.00"],
        [f"{work_order.number} finished goods received", "0.00", "35.00", "0.00"]]
    expect(page.locator("[data-testid=closing]")).to_have_text("0.00")


def test_four_people_carry_the_thread(page, thread, company):
    page.set_viewport_size(WIDE)
    found = {}
    quote = sell(page, thread, found)
    log_out(page)

    # the engineer releases the revision of the pump on the quote
    assert quote.lines.get().item == thread["pump"]
    engineer(page, thread, found)
    log_out(page)

    # MES receives revision B through the outbox; planning's work order for it is not the point here
    wait_for(lambda: ManufacturingDefinition.objects.filter(revision=thread["rev_b"]).exists(),
             message="revision B's definition in MES")

    def planned(quantity, due):
        return work_order_release(work_order=work_order_create(
            company=company, actor=thread["admin"], item=thread["pump"], revision=thread["rev_b"],
            quantity=D(quantity), due_date=due), actor=thread["admin"])

    stock_order = planned(2, datetime.date(2030, 3, 1))  # due first: the operator screen opens on it
    work_order = planned(5, datetime.date(2030, 3, 15))  # the customer's pumps
    assert list(work_order.materials.order_by("component__number").values_list("component__number", "quantity_per")
                ) == [("HOUSING-C", D(1)), ("SEAL-40", D(2))]
    operate(page, thread, work_order, stock_order, found)
    log_out(page)

    completed = Event.objects.get(company=company, name="mes.work_order.completed")
    wait_for(lambda: JournalEntry.objects.filter(source_event_id=completed.pk).exists(),
             message="the completion posted by ERP")
    account(page, thread, work_order, found)
    assert found == {}  # axe: nothing serious on the thread's screens
