"""The operator kiosk on a phone (390 x 844): no office sidebar, big touch targets, start → finish → complete."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.mes.choices import OperationStatus, WorkCenterStatus, WorkOrderStatus
from apps.mes.models import WorkCenter
from apps.mes.services.operations import operation_finish, operation_start
from apps.mes.services.workorders import work_order_create, work_order_release
from tests.browser.test_pickers import log_in, screenshot
from tests.mes.plant import build_plant

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
MIN_TOUCH = 48


def assert_touch_targets(page) -> None:
    """Every visible button and link-button of the kiosk is at least 48 px tall."""
    sizes = page.eval_on_selector_all(
        "main .btn, header .btn, main .list-group-item, main input.form-control",
        "els => els.filter(e => e.offsetParent !== null).map(e => [e.textContent.trim() || e.name,"
        " e.getBoundingClientRect().height])")
    assert sizes, "no touch targets found"
    small = [(label, height) for label, height in sizes if height < MIN_TOUCH]
    assert not small, small


def test_operator_runs_an_operation_on_a_phone(page, user, company):
    plant = build_plant(company, user)
    order = work_order_release(work_order=work_order_create(
        company=company, actor=user, item=plant.product, revision=plant.revision, quantity=Decimal(5),
        due_date=datetime.date(2030, 3, 15)), actor=user)
    first, last = order.operations.order_by("sequence")
    operation_start(operation=first, actor=user)
    operation_finish(operation=first, actor=user, quantity_good=Decimal(5))
    page.set_viewport_size(PHONE)
    log_in(page, "alice")

    page.goto("/mes/operator/")
    expect(page.locator(".sidebar")).to_have_count(0)
    expect(page.locator("[data-testid=back-to-office]")).to_have_attribute("href", "/")
    page.locator("[data-testid=work-center]", has_text="ASM").click()
    page.wait_for_url(f"**/mes/operator/{plant.assembly.pk}/")
    expect(page.locator(".sidebar")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    expect(page.locator("[data-testid=work-center-status]")).to_have_text("Idle")
    assert_touch_targets(page)

    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=operation-status]")).to_have_text("In progress")
    expect(page.locator("[data-testid=work-center-status]")).to_have_text("Running")
    finish = page.locator("[data-testid=finish]")
    assert "btn-success" in finish.get_attribute("class")
    page.fill("#finish-good", "4")
    page.fill("#finish-scrap", "1")
    page.fill("#finish-reason", "Cracked housing")
    screenshot(page, "operator-kiosk-390x844.png")
    assert_touch_targets(page)
    finish.click()

    # finished, the order stays here to be completed with what was just reported
    expect(page.locator("[data-testid=operation-status]")).to_have_text("Done")
    expect(page.locator("[data-testid=work-center-status]")).to_have_text("Idle")
    expect(page.locator("[data-testid=complete-good]")).to_have_value("4")
    expect(page.locator("[data-testid=complete-scrap]")).to_have_value("1")
    # booking a completion cannot be undone: the kiosk asks first, and a "no" books nothing
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=complete]")
    assert [question.split("?")[0] for question in questions] == ["Book this completion"]
    assert not order.completions.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=complete]")
    expect(page.locator(".alert-success")).to_contain_text(f"{order.number}: 4 completed.")
    expect(page.locator("[data-testid=close-short]")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=close-short]")
    expect(page.locator(".alert-success")).to_contain_text("closed short")

    last.refresh_from_db()
    order.refresh_from_db()
    assert (last.status, last.quantity_good, last.quantity_scrap) == (OperationStatus.DONE, Decimal(4), Decimal(1))
    assert (order.status, order.quantity_good, order.quantity_scrap) == (WorkOrderStatus.COMPLETED, Decimal(4),
                                                                          Decimal(1))
    assert WorkCenter.objects.get(pk=plant.assembly.pk).status == WorkCenterStatus.IDLE
