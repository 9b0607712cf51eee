"""The CRM pipeline board and forecast in a real browser: a card dragged to another stage is moved (persisted,
column totals re-rendered), a drop into Lost asks why, a closed opportunity snaps back with the service's message;
the forecast draws its charts; axe finds nothing serious on either page."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from apps.crm.models import Opportunity
from apps.crm.services.pipeline import pipeline_stages_ensure
from tests.core.factories import PartyFactory
from tests.crm.factories import OpportunityFactory, SalesTargetFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SERIOUS = {"critical", "serious"}


@pytest.fixture
def pipeline(company, make_user):
    sales = make_user(company, "Sales", username="sally")
    stages = {stage.name: stage for stage in pipeline_stages_ensure(company=company)}
    customer = PartyFactory(company=company, name="Tractors Inc", is_customer=True)
    deals = [OpportunityFactory(company=company, customer=customer, stage=stages["Qualification"], owner=sales,
                                title=title, amount=Decimal(amount), probability=Decimal(25),
                                expected_close=datetime.date(2026, month, 15))
             for title, amount, month in (("Fleet", "1000.00", 3), ("Mowers", "400.00", 4))]
    SalesTargetFactory(company=company, owner=sales, month=datetime.date(2026, 3, 1), amount=Decimal("5000.00"))
    return {"sales": sales, "stages": stages, "deals": deals}


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-secret-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def column(page, stage):
    return page.locator(f".kanban-column[data-status='{stage.pk}']")


def drag(page, opportunity, stage) -> None:
    """Drag a card onto a column once SortableJS has finished animating it (it ignores a press on a moving card,
    e.g. one that has just snapped back)."""
    page.wait_for_function("id => { const card = document.querySelector(`.kanban-card[data-id='${id}']`);"
                           " return card && !card.animated; }", arg=opportunity.pk)
    page.locator(f".kanban-card[data-id='{opportunity.pk}']").drag_to(
        page.locator(f".kanban-cards[data-status='{stage.pk}']"))


def test_drag_a_card_to_another_stage_persists_it(page, pipeline, company):
    stages, (fleet, mowers) = pipeline["stages"], pipeline["deals"]
    page.set_viewport_size({"width": 1600, "height": 900})
    log_in(page, "sally")
    page.goto("/crm/board/")
    expect(column(page, stages["Qualification"]).locator("[data-testid=column-count]")).to_have_text("2")

    drag(page, fleet, stages["Proposal"])
    expect(page.locator("#messages .alert-success")).to_have_text(f"{fleet.number} moved to Proposal.")
    assert Opportunity.objects.get(pk=fleet.pk).stage == stages["Proposal"]
    # the board was re-rendered from the server: counts and totals of both columns
    proposal = column(page, stages["Proposal"])
    expect(proposal.locator(f".kanban-card[data-id='{fleet.pk}']")).to_have_count(1)
    expect(proposal.locator("[data-testid=column-count]")).to_have_text("1")
    expect(proposal.locator("[data-testid=column-summary]")).to_have_text(
        f"1,000.00 · weighted 500.00 {company.currency.code}")
    expect(column(page, stages["Qualification"]).locator("[data-testid=column-count]")).to_have_text("1")

    # into Lost: the board asks why; going back changes nothing
    drag(page, mowers, stages["Lost"])
    dialog = page.locator("#prompt-dialog")
    dialog.wait_for(state="visible")
    expect(dialog.locator("[data-testid=prompt-text]")).to_have_text("Why was it lost?")
    dialog.locator("text=Go back").click()
    dialog.wait_for(state="hidden")
    expect(column(page, stages["Qualification"]).locator(f".kanban-card[data-id='{mowers.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=mowers.pk).status == "open"
    drag(page, mowers, stages["Lost"])
    dialog.wait_for(state="visible")
    page.fill("#prompt-input", "Too expensive")
    dialog.locator("[data-prompt-ok]").click()
    expect(page.locator("#messages .alert-success")).to_have_text(f"{mowers.number} lost.")
    mowers.refresh_from_db()
    assert (mowers.status, mowers.lost_reason, mowers.stage) == ("lost", "Too expensive", stages["Lost"])

    # a lost opportunity no longer moves: the service's message, the card back in its column
    drag(page, mowers, stages["Proposal"])
    expect(page.locator("#messages .alert-danger")).to_have_text(
        f"{mowers.number} is lost: it no longer moves or changes.")
    expect(column(page, stages["Lost"]).locator(f".kanban-card[data-id='{mowers.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=mowers.pk).stage == stages["Lost"]

    page.reload()  # persisted: after a reload the cards are where they were dropped
    expect(column(page, stages["Proposal"]).locator(f".kanban-card[data-id='{fleet.pk}']")).to_have_count(1)
    expect(column(page, stages["Lost"]).locator(f".kanban-card[data-id='{mowers.pk}']")).to_have_count(1)


def test_forecast_draws_its_charts(page, pipeline):
    log_in(page, "sally")
    page.goto("/crm/forecast/?year=2026")
    expect(page.locator("canvas[data-chart][data-ready='1']")).to_have_count(2)
    expect(page.locator("[data-testid=forecast-months] tbody tr")).to_have_count(12)


def test_axe_finds_no_serious_violations_on_the_board_and_forecast(page, pipeline):
    log_in(page, "sally")
    axe = Axe()
    found = {}
    for url in ("/crm/board/", "/crm/forecast/?year=2026"):
        assert page.goto(url).status == 200
        page.wait_for_load_state("networkidle")
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in SERIOUS]
        if violations:
            found[url] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert found == {}
