"""Kanban boards of the shared Resource: a drop takes the workflow action whose transition goes from the card's
column to the target column, through the same service as the record's button; anything else is refused with the
service's message and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditRecord
from apps.mes.models import WorkOrder
from apps.mes.services.workorders import work_order_create
from apps.plm.models import ChangeOrder
from tests.mes.factories import WorkOrderFactory
from tests.mes.plant import build_plant
from tests.plm.factories import ChangeOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(company, user):
    plant = build_plant(company, user)
    return work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                             quantity=Decimal(2), due_date=datetime.date(2030, 3, 20))


def move(client, work_order, status: str):
    return client.post(reverse("mes:workorder_move", args=[work_order.pk]), {"status": status})


def actions(obj) -> list[str]:
    return list(AuditRecord.objects.filter(content_type__model=type(obj)._meta.model_name, object_id=str(obj.pk))
                .order_by("id").values_list("action", flat=True))


def test_board_shows_a_column_per_status_with_its_cards(web, company, draft, other_company):
    WorkOrderFactory(company=other_company)
    response = web.get(reverse("mes:workorder_kanban"))
    assert response.status_code == 200
    board = response.context["board"]
    assert [(c["status"], c["count"]) for c in board["columns"]] == [
        ("draft", 1), ("released", 0), ("in_progress", 0), ("completed", 0), ("closed", 0)]
    assert [card["object"] for card in board["columns"][0]["cards"]] == [draft]
    assert board["moves"]["draft"]["released"] == {"verb": "release", "label": "Release", "confirm": ""}
    assert board["moves"]["completed"]["closed"]["confirm"].startswith("Close this work order?")
    assert "completed" not in board["moves"].get("in_progress", {})  # completing needs its form
    assert f'data-move="/mes/work-orders/{draft.pk}/move/"' in response.content.decode()
    assert reverse("mes:workorder_kanban") in web.get(reverse("mes:workorder_list")).content.decode()


def test_drop_on_the_next_column_takes_the_workflow_step(web, draft):
    response = move(web, draft, "released")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": f"{draft.number} released to the shop floor.",
                               "status": "released"}
    draft.refresh_from_db()
    assert draft.status == "released"
    assert draft.operations.count() == 2  # the release service ran: the routing was copied
    started = move(web, draft, "in_progress")
    assert started.json()["status"] == "in_progress"
    assert WorkOrder.objects.get(pk=draft.pk).status == "in_progress"
    assert actions(draft)[-2:] == ["release", "start"]


def test_illegal_drop_answers_the_workflows_message_and_changes_nothing(web, draft):
    before = actions(draft)
    response = move(web, draft, "completed")
    assert response.status_code == 409
    assert response.json() == {"ok": False, "status": "draft",
                               "message": f"Cannot change {draft.number} from 'draft' to 'completed'."}
    assert WorkOrder.objects.get(pk=draft.pk).status == "draft"
    assert actions(draft) == before


def test_drop_on_a_step_that_needs_its_form_is_refused(web, draft):
    move(web, draft, "released")
    move(web, draft, "in_progress")
    response = move(web, draft, "completed")
    assert response.status_code == 409
    assert response.json()["message"] == f"Complete {draft.number} on its page: that step needs its own form."
    assert WorkOrder.objects.get(pk=draft.pk).status == "in_progress"


def test_service_refusal_is_the_services_message(web, company):
    order = ChangeOrderFactory(company=company, status="draft")  # no revisions: submitting is refused
    response = web.post(reverse("plm:changeorder_move", args=[order.pk]), {"status": "submitted"})
    assert response.status_code == 409
    assert response.json()["message"] == "Add at least one new revision to release."
    assert ChangeOrder.objects.get(pk=order.pk).status == "draft"
    assert actions(order) == []


def test_role_without_the_step_gets_403(client, company, make_user, draft):
    client.force_login(make_user(company, "Sales"))
    assert client.get(reverse("mes:workorder_kanban")).context["board"]["can_move"] is False
    response = move(client, draft, "released")
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert WorkOrder.objects.get(pk=draft.pk).status == "draft"


def test_other_companys_card_answers_404(web, other_company):
    theirs = WorkOrderFactory(company=other_company)
    assert move(web, theirs, "released").status_code == 404
    assert WorkOrder.objects.get(pk=theirs.pk).status == "draft"


def test_unknown_column_is_refused(web, draft):
    assert move(web, draft, "cancelled").status_code == 400  # not a column of this board
    assert WorkOrder.objects.get(pk=draft.pk).status == "draft"


def test_done_columns_show_only_the_latest_cards_and_link_to_the_list(web, company):
    done = [WorkOrderFactory(company=company, status="completed") for _ in range(7)]
    waiting = [WorkOrderFactory(company=company) for _ in range(7)]
    response = web.get(reverse("mes:workorder_kanban"))
    columns = {column["status"]: column for column in response.context["board"]["columns"]}
    assert columns["completed"]["count"] == 7
    assert [card["object"] for card in columns["completed"]["cards"]] == done[::-1][:5]  # newest first
    assert len(columns["draft"]["cards"]) == 7  # a column of work still to do shows all of it (up to the limit)
    assert {card["object"] for card in columns["draft"]["cards"]} == set(waiting)
    page = response.content.decode()
    assert "The 5 latest shown; 7 in all: see the list" in page
    assert page.count('data-testid="column-more"') == 1
