"""The operator kiosk: its own layout, the routing sequence on the buttons, orders waiting for completion,
the work center's live badge, closing short from the floor and from the work order page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.mes.choices import OperationStatus, WorkCenterStatus, WorkOrderStatus
from apps.mes.services.operations import operation_finish, operation_start
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from tests.mes.plant import build_plant

pytestmark = pytest.mark.urls("tests.mes.urls")
D = Decimal


@pytest.fixture
def plant(company, user):
    plant = build_plant(company, user)
    order = work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                              quantity=D(5), due_date=datetime.date(2030, 3, 15))
    plant.order = work_order_release(work_order=order, actor=user)
    plant.first, plant.last = plant.order.operations.order_by("sequence")
    return plant


def screen(plant, center=None, **query) -> str:
    url = reverse("mes:operator_screen", args=[(center or plant.assembly).pk])
    return f"{url}?operation={query['operation']}" if "operation" in query else url


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_kiosk_has_no_office_sidebar_and_a_way_back_to_the_office(web, plant):
    for url in (reverse("mes:operator_home"), screen(plant)):
        content = web.get(url).content.decode()
        assert 'class="col-md-2 bg-light sidebar' not in content
        assert 'href="/" data-testid="back-to-office"' in content
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in content
        assert "picker" not in content  # no office assets either


def test_finish_is_a_success_button_and_the_badge_shows_running(web, plant):
    web.post(reverse("mes:operator_action", args=[plant.first.pk, "start"]))
    content = web.get(screen(plant, plant.cutting)).content.decode()
    assert '<button class="btn btn-success op-btn w-100" data-testid="finish">Finish</button>' in content
    assert "btn-danger op-btn" not in content
    assert 'text-bg-success" data-testid="work-center-status">Running</span>' in content
    web.post(reverse("mes:operator_action", args=[plant.first.pk, "pause"]))
    content = web.get(screen(plant, plant.cutting)).content.decode()
    assert 'data-testid="work-center-status">Idle</span>' in content


def test_a_later_operation_waits_for_the_previous_one(client, plant, make_user):
    client.force_login(make_user(plant.company, "Production"))
    content = client.get(screen(plant)).content.decode()
    assert 'data-testid="waiting-for"' in content
    assert "Waiting for op 10 (Cut)" in content
    assert 'data-testid="start"' not in content
    assert 'data-testid="start-override"' not in content
    response = client.post(reverse("mes:operator_action", args=[plant.last.pk, "start"]), follow=True)
    assert any("operation 10 (Cut)" in m and "has not started yet" in m for m in messages_of(response))
    plant.last.refresh_from_db()
    assert plant.last.status == OperationStatus.PENDING


def test_a_supervisor_starts_out_of_sequence_from_the_kiosk_an_operator_may_not(client, plant, make_user):
    operator, supervisor = make_user(plant.company, "Production"), make_user(plant.company, "Manager")
    client.force_login(operator)
    assert 'data-testid="start-override"' not in client.get(screen(plant)).content.decode()
    response = client.post(reverse("mes:operator_action", args=[plant.last.pk, "start"]),
                           {"override_sequence": "1"}, follow=True)
    assert any("Only a supervisor" in m for m in messages_of(response))
    plant.last.refresh_from_db()
    assert plant.last.status == OperationStatus.PENDING
    client.force_login(supervisor)
    assert 'data-testid="start-override"' in client.get(screen(plant)).content.decode()
    client.post(reverse("mes:operator_action", args=[plant.last.pk, "start"]), {"override_sequence": "1"})
    plant.last.refresh_from_db()
    assert plant.last.status == OperationStatus.IN_PROGRESS


def test_a_finished_order_stays_on_the_screen_with_the_reported_quantities_until_completed(web, plant, user):
    operation_start(operation=plant.first, actor=user)
    operation_finish(operation=plant.first, actor=user, quantity_good=D(5))
    operation_start(operation=plant.last, actor=user)
    operation_finish(operation=plant.last, actor=user, quantity_good=D(4), quantity_scrap=D(1))
    response = web.get(screen(plant))
    assert [o.pk for o in response.context["dispatch"]] == [plant.last.pk]
    assert response.context["selected"] == plant.last
    content = response.content.decode()
    assert 'value="4" required data-testid="complete-good"' in content
    assert 'value="1" data-testid="complete-scrap"' in content
    assert 'data-testid="close-short"' not in content  # nothing reported to the order yet
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]),
                        {"quantity_good": "", "quantity_scrap": "", "next": screen(plant)})
    assert response["Location"] == screen(plant)
    plant.order.refresh_from_db()
    assert (plant.order.status, plant.order.quantity_good, plant.order.quantity_scrap) == (
        WorkOrderStatus.IN_PROGRESS, D(4), D(1))
    response = web.get(screen(plant))
    assert [o.pk for o in response.context["dispatch"]] == [plant.last.pk]  # still here: not completed
    assert 'data-testid="close-short"' in response.content.decode()

    response = web.post(reverse("mes:operator_close_short", args=[plant.order.pk]), {"next": screen(plant)})
    assert response["Location"] == screen(plant)
    plant.order.refresh_from_db()
    assert plant.order.status == WorkOrderStatus.COMPLETED
    assert web.get(screen(plant)).context["dispatch"] == []  # gone once completed


def test_close_short_from_the_kiosk_needs_the_right_to_change_work_orders(client, plant, make_user, user):
    work_order_complete(work_order=plant.order, actor=user, quantity_good=D(1))
    client.force_login(make_user(plant.company, "Sales"))
    assert client.post(reverse("mes:operator_close_short", args=[plant.order.pk])).status_code == 403
    plant.order.refresh_from_db()
    assert plant.order.status == WorkOrderStatus.IN_PROGRESS


def test_close_short_of_another_companys_order_is_not_found(web, other_company, other_user):
    other = build_plant(other_company, other_user)
    order = work_order_release(work_order=work_order_create(
        company=other_company, actor=other_user, item=other.product, revision=other.revision, quantity=D(1),
        due_date=datetime.date(2030, 3, 15)), actor=other_user)
    assert web.post(reverse("mes:operator_close_short", args=[order.pk])).status_code == 404


def test_the_work_order_page_offers_close_short_with_a_confirmation(web, plant, user):
    work_order_complete(work_order=plant.order, actor=user, quantity_good=D(2), quantity_scrap=D(1))
    content = web.get(reverse("mes:workorder_detail", args=[plant.order.pk])).content.decode()
    assert 'value="close_short">Close short</button>' in content
    assert 'data-confirm="Close this work order short?' in content
    response = web.post(reverse("mes:workorder_action", args=[plant.order.pk, "close_short"]),
                        {"reason": "Material ran out"})
    assert response.status_code == 302
    plant.order.refresh_from_db()
    assert (plant.order.status, plant.order.quantity_good) == (WorkOrderStatus.COMPLETED, D(2))


def test_the_operator_home_shows_each_work_centers_live_status(web, plant, user):
    operation_start(operation=plant.first, actor=user)
    content = web.get(reverse("mes:operator_home")).content.decode()
    assert content.count('data-testid="work-center-status">Running</span>') == 1
    assert plant.cutting.__class__.objects.get(pk=plant.cutting.pk).status == WorkCenterStatus.RUNNING
