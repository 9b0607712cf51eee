"""Completing a work order from the screens with operator-chosen lots (FEFO by default)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.mes.choices import WorkOrderStatus
from apps.mes.models import GenealogyLink, WorkOrderCompletion
from apps.mes.services.operations import operation_start
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.scm.models import StockMove, StockQuant
from tests.mes.plant import build_plant

pytestmark = pytest.mark.urls("tests.mes.urls")
D = Decimal


@pytest.fixture
def plant(company, user):
    plant = build_plant(company, user)  # steel lots S-1 (10) and S-2 (20); 1.65 steel per unit with scrap
    order = work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                              quantity=D(2), due_date=datetime.date(2030, 3, 15))
    plant.order = work_order_release(work_order=order, actor=user)
    return plant


def steel_on_hand(plant):
    return {q.lot.code: (q.on_hand, q.reserved) for q in StockQuant.objects.filter(item=plant.steel)
            .select_related("lot")}


def test_detail_page_offers_the_lots_with_the_fefo_suggestion(web, plant):
    response = web.get(reverse("mes:workorder_detail", args=[plant.order.pk]))
    html = response.content.decode()
    assert 'data-testid="completion-form"' in html
    assert f'data-testid="lots-{plant.steel.number}"' in html
    assert f'data-testid="lots-{plant.bolt.number}"' not in html  # untracked: nothing to choose
    s1, s2 = plant.lots["S-1"], plant.lots["S-2"]
    # S-1 is reserved for the order (3.3 of 10): available to it 10, the FEFO default takes 3.3 from it
    placeholders = dict(re.findall(r'name="(lot-\d+-\d+)"[^>]*placeholder="([^"]*)"', html))
    assert placeholders == {f"lot-{plant.steel.pk}-{s1.pk}": "3.3", f"lot-{plant.steel.pk}-{s2.pk}": "0"}
    assert 'value="complete"' not in html  # the old header form (a verb button) is gone


def test_completing_with_a_chosen_lot_consumes_that_lot(web, plant):
    s2 = plant.lots["S-2"]
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]), {
        "quantity_good": "2", "quantity_scrap": "0", "lot_code": "",
        f"lot-{plant.steel.pk}-{plant.lots['S-1'].pk}": "", f"lot-{plant.steel.pk}-{s2.pk}": "3.3"})
    assert response.status_code == 302
    assert response["Location"] == plant.order.get_absolute_url()
    plant.order.refresh_from_db()
    assert (plant.order.status, plant.order.quantity_good) == (WorkOrderStatus.COMPLETED, D(2))
    assert steel_on_hand(plant) == {"S-1": (D(10), D(0)), "S-2": (D("16.7"), D(0))}
    [move] = StockMove.objects.filter(reference=plant.order.number, item=plant.steel)
    assert (move.lot, move.quantity) == (s2, D("3.3"))
    completion = WorkOrderCompletion.objects.get(work_order=plant.order)
    assert [(link.parent_lot, link.child_lot, link.quantity) for link in GenealogyLink.objects.all()] == [
        (completion.lot, s2, D("3.3"))]


def test_blank_lots_consume_fefo(web, plant):
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]), {"quantity_good": "2"})
    assert response.status_code == 302
    assert steel_on_hand(plant) == {"S-1": (D("6.7"), D(0)), "S-2": (D(20), D(0))}


def test_chosen_lots_that_do_not_add_up_are_refused_and_nothing_moves(web, plant):
    s2 = plant.lots["S-2"]
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]),
                        {"quantity_good": "2", f"lot-{plant.steel.pk}-{s2.pk}": "1"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["consumed_lots: The chosen lots of STEEL-BAR total 1; 3.3 is consumed."]
    plant.order.refresh_from_db()
    assert (plant.order.status, plant.order.quantity_good) == (WorkOrderStatus.RELEASED, D(0))
    assert not StockMove.objects.filter(reference=plant.order.number).exists()
    assert steel_on_hand(plant) == {"S-1": (D(10), D("3.3")), "S-2": (D(20), D(0))}


def test_another_companys_lot_or_order_is_not_found(web, plant, other_company, other_user, api_for, client):
    from tests.scm.factories import LotFactory

    foreign = LotFactory(company=other_company)
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]),
                        {"quantity_good": "2", f"lot-{plant.steel.pk}-{foreign.pk}": "3.3"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"lot-{plant.steel.pk}-{foreign.pk}: Unknown lot of that component."]
    assert not StockMove.objects.filter(reference=plant.order.number).exists()
    client.force_login(other_user)
    assert client.post(reverse("mes:workorder_complete", args=[plant.order.pk]),
                       {"quantity_good": "2"}).status_code == 404
    plant.order.refresh_from_db()
    assert plant.order.quantity_good == D(0)


def test_operator_screen_completes_on_the_last_operation_and_comes_back(web, plant, user):
    last = plant.order.operations.get(sequence=20)
    screen = reverse("mes:operator_screen", args=[plant.assembly.pk])
    assert 'data-testid="completion-form"' not in web.get(f"{screen}?operation={last.pk}").content.decode()
    operation_start(operation=last, actor=user, override_sequence=True)  # the last operation under way
    html = web.get(f"{screen}?operation={last.pk}").content.decode()
    assert 'data-testid="completion-form"' in html
    first_html = web.get(reverse("mes:operator_screen", args=[plant.cutting.pk])).content.decode()
    assert 'data-testid="completion-form"' not in first_html  # only the last operation reports finished units
    s2 = plant.lots["S-2"]
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]), {
        "quantity_good": "1", "next": f"{screen}?operation={last.pk}", f"lot-{plant.steel.pk}-{s2.pk}": "1.65"})
    assert response["Location"] == f"{screen}?operation={last.pk}"
    plant.order.refresh_from_db()
    assert (plant.order.status, plant.order.quantity_good) == (WorkOrderStatus.IN_PROGRESS, D(1))
    assert steel_on_hand(plant) == {"S-1": (D(10), D("1.65")), "S-2": (D("18.35"), D(0))}
    response = web.post(reverse("mes:workorder_complete", args=[plant.order.pk]),
                        {"quantity_good": "1", "next": "https://evil.example/"})
    assert response["Location"] == plant.order.get_absolute_url()
