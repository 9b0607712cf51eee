"""The office workspace in a real browser: each role's home page with its queues and charts, the kanban board
(a dragged card is persisted), the search dialog, confirmation of irreversible steps, the phone layout, and axe
(no critical or serious accessibility violation) on a home, list, form and detail page of core, PLM, SCM and MES.

Screenshots of the main screens go to a temporary folder, or to docs/screenshots/ with MILLWRIGHT_SCREENSHOTS=1
(how the README's pictures are made)."""

import datetime
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Company, Party
from apps.mes.models import WorkOrder
from apps.mes.services.workorders import work_order_release, work_order_start
from apps.plm.models import ChangeOrder, Item, Revision
from apps.scm.models import PurchaseOrder

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERIOUS = {"critical", "serious"}


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: docs/screenshots with MILLWRIGHT_SCREENSHOTS=1 (regenerates the README's)."""
    folder = DOCS if os.environ.get("MILLWRIGHT_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def demo(transactional_db):
    """The demo companies of `make run` (users with password = user name), with MES's work orders."""
    call_command("seed_demo")  # complete on its first run: it delivers its own events (PLM release -> MES)
    company = Company.objects.get(code="DEMO")
    # the tractor's draft orders (the e-bike history's orders are completed)
    orders = list(WorkOrder.objects.filter(company=company, status="draft").order_by("item__number", "pk"))
    assert len(orders) >= 3, "the demo has work orders"
    return {"company": company, "orders": orders}


def login(page, username: str, password: str | None = None) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or username)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def queue_counts(page) -> dict[str, int]:
    counts = {}
    for tile in page.locator("[data-testid=queue]").all():
        counts[tile.locator(".queue-label").inner_text().strip()] = int(tile.locator(".queue-count").inner_text())
    return counts


def test_home_pages_of_three_roles_show_their_queues_and_charts(page, demo, shots):
    company = demo["company"]
    today = timezone.localdate()
    late = demo["orders"][0]
    WorkOrder.objects.filter(pk=late.pk).update(due_date=today - datetime.timedelta(days=2))
    page.set_viewport_size({"width": 1400, "height": 1000})

    login(page, "engineer")
    counts = queue_counts(page)
    assert "Change orders waiting for my approval" in counts
    assert counts["Draft change orders"] == ChangeOrder.objects.filter(company=company, status="draft").count()
    assert "Purchase orders to approve or send" not in counts
    page.wait_for_selector("[data-testid=home-plm] canvas[data-ready='1']")
    assert page.locator("[data-testid=home-plm] canvas[data-chart]").count() == 2
    page.screenshot(path=str(shots / "home-engineer.png"), full_page=True)

    page.context.clear_cookies()
    login(page, "buyer")
    counts = queue_counts(page)
    drafts = PurchaseOrder.objects.filter(company=company, status="draft").count()
    assert counts["Purchase orders to approve or send"] == drafts
    assert "Change orders waiting for my approval" not in counts
    page.wait_for_selector("[data-testid=home-scm] canvas[data-ready='1']")
    page.screenshot(path=str(shots / "home-buyer.png"), full_page=True)

    page.context.clear_cookies()
    login(page, "storekeeper")
    counts = queue_counts(page)
    assert "Receipts to post" in counts
    assert "Shipments to pick" in counts
    assert "Purchase orders to approve or send" not in counts
    # a tile opens its list, filtered
    page.click("[data-testid=queue]:has-text('Shipments to pick')")
    page.wait_for_url("**/scm/shipments/?status__in=reserved%2Cpicking")
    assert page.locator("table tbody tr").count() == counts["Shipments to pick"]


def test_drag_a_work_order_to_the_next_status_on_the_board(page, demo, shots):
    # the demo's stock is not where the orders pick: release them with shortages, as a planner would
    order = work_order_release(work_order=demo["orders"][0], actor=None, allow_shortage=True)
    started = work_order_release(work_order=demo["orders"][1], actor=None, allow_shortage=True)
    work_order_start(work_order=started, actor=None)
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, "operator")
    page.goto("/mes/work-orders/board/")
    card = page.locator(f".kanban-card[data-id='{order.pk}']")
    in_progress = page.locator(".kanban-cards[data-status='in_progress']")
    # dropped near the column's top: the completed column of the demo's history makes the columns tall
    card.drag_to(in_progress, target_position={"x": 40, "y": 40})
    page.wait_for_selector("#messages .alert-success")
    assert page.locator("#messages").inner_text().startswith(f"{order.number} started.")
    assert WorkOrder.objects.get(pk=order.pk).status == "in_progress"
    assert in_progress.locator(f".kanban-card[data-id='{order.pk}']").count() == 1
    page.screenshot(path=str(shots / "kanban.png"), full_page=True)

    # an illegal drop snaps back and says why
    page.locator(f".kanban-card[data-id='{order.pk}']").drag_to(page.locator(".kanban-cards[data-status='closed']"),
                                                                 target_position={"x": 40, "y": 40})
    page.wait_for_selector("#messages .alert-danger")
    assert "Cannot change" in page.locator("#messages").inner_text()
    assert in_progress.locator(f".kanban-card[data-id='{order.pk}']").count() == 1
    assert WorkOrder.objects.get(pk=order.pk).status == "in_progress"

    page.reload()  # persisted: after a reload the card is in its new column
    assert page.locator(f".kanban-cards[data-status='in_progress'] .kanban-card[data-id='{order.pk}']").count() == 1


def test_search_dialog_with_the_keyboard(page, demo, shots):
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, "buyer")
    page.keyboard.press("/")
    page.wait_for_selector("#search-input:focus")
    page.keyboard.type("TR-100")
    page.wait_for_selector("#search-results .search-hit")
    assert page.get_attribute("#search-input", "aria-expanded") == "true"
    page.screenshot(path=str(shots / "search.png"))
    first = page.locator("#search-results .search-hit").first
    assert first.get_attribute("aria-selected") == "true"
    item = Item.objects.get(company=demo["company"], number="TR-100")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/plm/items/{item.pk}/")
    page.keyboard.press("Control+k")
    page.wait_for_selector("#search-input:focus")
    page.keyboard.press("Escape")
    page.wait_for_selector("#search-dialog", state="hidden")


def test_irreversible_step_asks_first(page, demo):
    order = demo["orders"][2]
    login(page, "operator")
    page.goto(f"/mes/work-orders/{order.pk}/")
    page.click("[data-testid=step-cancel] button")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Cancel this work order and give back its reservations?" in dialog.inner_text()
    dialog.locator("text=Go back").click()
    dialog.wait_for(state="hidden")
    assert WorkOrder.objects.get(pk=order.pk).status == "draft"
    page.click("[data-testid=step-cancel] button")
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.locator("[data-confirm-ok]").click()
    assert f"{order.number} cancelled." in page.locator("#messages").inner_text()
    assert WorkOrder.objects.get(pk=order.pk).status == "cancelled"


def test_list_and_detail_with_history(page, demo, shots):
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, "buyer")
    page.goto("/scm/purchase-orders/")
    page.screenshot(path=str(shots / "list.png"))
    order = PurchaseOrder.objects.filter(company=demo["company"], status="partially_received").first()
    page.goto(f"/scm/purchase-orders/{order.pk}/")
    history = page.locator("[data-testid=chatter] .timeline-history")
    assert "Status: Sent → Partially received" in history.first.inner_text()
    assert page.locator("[data-testid=breadcrumbs]").inner_text().split("\n")[0].startswith("Home")
    page.screenshot(path=str(shots / "detail-history.png"), full_page=True)


def test_phone_layout_puts_the_menu_behind_a_button(page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "operator")
    page.goto("/mes/work-orders/")
    assert not page.locator("#sidebar").is_visible()
    heading = page.locator("main h1").bounding_box()
    assert heading["y"] < 200  # the screen starts at the top, not below the office menu
    page.click("button[aria-controls=sidebar]")
    page.locator("#sidebar").wait_for(state="visible")
    assert page.locator("#sidebar a:has-text('Work orders')").is_visible()


AXE_PAGES = {
    "core": ["/", "/core/parties/", "/core/parties/new/", "/core/parties/{party}/"],
    "PLM": ["/plm/items/", "/plm/items/new/", "/plm/revisions/{revision}/", "/plm/revisions/{draft_revision}/edit/"],
    "SCM": ["/scm/purchase-orders/", "/scm/purchase-orders/new/", "/scm/purchase-orders/{po}/"],
    "MES": ["/mes/work-orders/", "/mes/work-orders/new/", "/mes/work-orders/{wo}/", "/mes/work-orders/board/"],
}


def test_axe_finds_no_serious_violations(page, demo):
    company = demo["company"]
    ids = {
        "party": Party.objects.filter(company=company).first().pk,
        "revision": Revision.objects.filter(company=company, status="released").first().pk,
        "draft_revision": Revision.objects.filter(company=company, status="draft").first().pk,
        "po": PurchaseOrder.objects.filter(company=company).first().pk,
        "wo": demo["orders"][0].pk,
    }
    login(page, "admin")
    axe = Axe()
    found = {}
    for module, paths in AXE_PAGES.items():
        for path in paths:
            url = path.format(**ids)
            response = page.goto(url)
            assert response.status == 200, url
            page.wait_for_load_state("networkidle")
            violations = [v for v in axe.run(page).response["violations"] if v["impact"] in SERIOUS]
            if violations:
                found[f"{module} {url}"] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    page.keyboard.press("/")  # the search dialog, open, with results
    page.wait_for_selector("#search-input:focus")
    page.keyboard.type("TR")
    page.wait_for_selector("#search-results .search-hit")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in SERIOUS]
    if violations:
        found["search dialog"] = [v["id"] for v in violations]
    assert found == {}
