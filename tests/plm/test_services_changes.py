"""Change requests and orders: approvals by role, rejection, release, events, handlers."""

import pytest
from django.contrib.auth.models import Group

from apps.core.errors import ConflictError, DomainError, PermissionDeniedError, TransitionNotAllowed
from apps.core.models import Event
from apps.core.outbox import emit
from apps.plm.models import ChangeApproval, ChangeApprovalRule, ChangeRequest
from apps.plm.services.changes import (
    approval_status,
    change_order_approve,
    change_order_cancel,
    change_order_create,
    change_order_reject,
    change_order_release,
    change_order_submit,
    change_order_update,
    change_order_verbs,
    change_request_from_event,
)
from apps.plm.services.items import revision_create
from tests.plm.conftest import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def eco(company, engineer, new_item, add_line):
    parent, part = new_item("ASM-1"), new_item("PART-1", item_type="buy")
    add_line(parent, part, "2", scrap="5")
    return change_order_create(company=company, title="Initial release", reason="New product", actor=engineer,
                               revisions=[draft(parent), draft(part)])


def test_numbers_come_from_the_eco_sequence(eco, company, engineer):
    assert eco.number.startswith("ECO-")
    assert eco.number.endswith("-00001")
    second = change_order_create(company=company, title="Other", actor=engineer)
    assert second.number.endswith("-00002")


def test_submit_puts_revisions_and_items_in_review(eco, engineer):
    change_order_submit(change_order=eco, actor=engineer)
    eco.refresh_from_db()
    assert (eco.status, eco.round) == ("submitted", 1)
    assert sorted(eco.revisions.values_list("status", "item__lifecycle_state")) == [
        ("in_review", "in_review"), ("in_review", "in_review")]


def test_submit_without_revisions_is_rejected(company, engineer):
    order = change_order_create(company=company, title="Empty", actor=engineer)
    with pytest.raises(DomainError) as exc:
        change_order_submit(change_order=order, actor=engineer)
    assert exc.value.field == "revisions"
    order.refresh_from_db()
    assert order.status == "draft"


def test_approved_only_when_every_required_role_approved(eco, engineer, quality):
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer, comment="Design ok")
    eco.refresh_from_db()
    assert eco.status == "submitted"
    change_order_approve(change_order=eco, actor=quality, comment="Quality ok")
    eco.refresh_from_db()
    assert eco.status == "approved"
    assert list(ChangeApproval.objects.values_list("approver__username", "role__name", "decision", "comment")) == [
        ("eddie", "Engineering", "approved", "Design ok"), ("quinn", "Quality", "approved", "Quality ok")]


def test_approver_whose_role_is_not_required_is_refused(eco, engineer, make_user, company):
    manager = make_user(company, "Manager", username="mona")  # has plm.approve_changeorder, role not required
    change_order_submit(change_order=eco, actor=engineer)
    eco.refresh_from_db()
    assert "approve" not in change_order_verbs(eco, manager)
    with pytest.raises(PermissionDeniedError):
        change_order_approve(change_order=eco, actor=manager)
    assert not ChangeApproval.objects.exists()


def test_role_already_satisfied_cannot_approve_again(eco, engineer, make_user, company):
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer)
    second_engineer = make_user(company, "Engineering", username="erin")
    eco.refresh_from_db()
    assert change_order_verbs(eco, second_engineer) == ["reject", "cancel"]
    with pytest.raises(ConflictError):
        change_order_approve(change_order=eco, actor=second_engineer)
    with pytest.raises(ConflictError):
        change_order_approve(change_order=eco, actor=engineer)
    assert ChangeApproval.objects.count() == 1


def test_rule_per_company_can_require_two_quality_approvers(eco, company, engineer, quality, make_user):
    ChangeApprovalRule.objects.create(company=company, role=Group.objects.get(name="Quality"), required_count=2)
    change_order_submit(change_order=eco, actor=engineer)
    assert [(s["role"], s["required"]) for s in approval_status(eco)] == [("Quality", 2)]
    with pytest.raises(PermissionDeniedError):
        change_order_approve(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=quality)
    eco.refresh_from_db()
    assert eco.status == "submitted"
    change_order_approve(change_order=eco, actor=make_user(company, "Quality", username="quentin"))
    eco.refresh_from_db()
    assert eco.status == "approved"


def test_reject_returns_to_draft_with_comment_and_resets_approvals(eco, engineer, quality):
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer)
    with pytest.raises(DomainError) as exc:
        change_order_reject(change_order=eco, actor=quality, comment="")
    assert exc.value.field == "comment"
    change_order_reject(change_order=eco, actor=quality, comment="Tolerance missing on drawing")
    eco.refresh_from_db()
    assert eco.status == "draft"
    assert sorted(eco.revisions.values_list("status", "item__lifecycle_state")) == [
        ("draft", "draft"), ("draft", "draft")]
    assert ChangeApproval.objects.filter(decision="rejected").values_list("comment", flat=True).get() == (
        "Tolerance missing on drawing")
    change_order_submit(change_order=eco, actor=engineer)
    eco.refresh_from_db()
    assert eco.round == 2
    assert [s["approved"] for s in approval_status(eco)] == [0, 0]


def test_release_releases_supersedes_and_emits_snapshot(eco, engineer, quality, user):
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=quality)
    change_order_release(change_order=eco, actor=engineer)
    parent = eco.revisions.get(item__number="ASM-1")
    parent.item.refresh_from_db()
    assert (parent.status, parent.item.lifecycle_state, parent.item.current_revision_id) == (
        "released", "released", parent.pk)
    assert parent.released_at is not None
    assert parent.effective_from is not None
    event = Event.objects.get(name="plm.revision.released", subject_id=str(parent.pk))
    assert event.payload == {
        "item": "ASM-1", "item_id": parent.item_id, "revision": "A", "revision_id": parent.pk,
        "effective_from": parent.effective_from.isoformat(), "eco": eco.number,
        "bom": [{"component": "PART-1", "component_id": eco.revisions.get(item__number="PART-1").item_id,
                 "quantity": "2.0000", "uom": "ea", "scrap_percent": "5.0000", "position": 10,
                 "reference_designators": ""}],
    }
    assert Event.objects.filter(name="plm.revision.released").count() == 2
    # the next revision supersedes A on the next release
    revision_b = revision_create(item=parent.item, actor=user)
    second = change_order_create(company=eco.company, title="B", actor=engineer, revisions=[revision_b])
    change_order_submit(change_order=second, actor=engineer)
    change_order_approve(change_order=second, actor=engineer)
    change_order_approve(change_order=second, actor=quality)
    change_order_release(change_order=second, actor=engineer)
    assert list(parent.item.revisions.values_list("code", "status")) == [("A", "superseded"), ("B", "released")]


def test_release_before_approval_is_409_and_emits_nothing(eco, engineer):
    with pytest.raises(TransitionNotAllowed) as exc:
        change_order_release(change_order=eco, actor=engineer)
    assert exc.value.status_code == 409
    assert exc.value.extra["current"] == "draft"
    assert not Event.objects.filter(name="plm.revision.released").exists()


def test_cancel_returns_revisions_to_draft(eco, engineer):
    change_order_submit(change_order=eco, actor=engineer)
    change_order_cancel(change_order=eco, actor=engineer)
    eco.refresh_from_db()
    assert eco.status == "cancelled"
    assert set(eco.revisions.values_list("status", flat=True)) == {"draft"}


def test_revision_on_one_open_order_only(eco, company, engineer):
    with pytest.raises(DomainError) as exc:
        change_order_create(company=company, title="Again", actor=engineer, revisions=list(eco.revisions.all()))
    assert exc.value.field == "revisions"


def test_submitted_order_cannot_be_edited(eco, engineer):
    change_order_submit(change_order=eco, actor=engineer)
    with pytest.raises(ConflictError):
        change_order_update(instance=eco, title="New title", actor=engineer)


def test_change_request_from_event_once_per_event(company, user, new_item):
    item = new_item("BK-1")
    with_items = {"item_numbers": ["BK-1", "NOPE-9"], "description": "Customer reports cracks", "reference": "FB-7"}
    event = emit("crm.feedback.submitted", company=company, subject=item, payload=with_items)
    first = change_request_from_event(event=event, source="crm_feedback")
    again = change_request_from_event(event=event, source="crm_feedback")
    assert first.pk == again.pk
    assert ChangeRequest.objects.count() == 1
    assert (first.source, first.reference, first.status) == ("crm_feedback", "FB-7", "open")
    assert list(first.affected_items.values_list("number", flat=True)) == ["BK-1"]
    assert "Unknown item numbers: NOPE-9" in first.problem


def test_demo_seed_is_idempotent(company, other_company, make_user):
    from apps.plm import demo
    from apps.plm.models import ChangeOrder, Item
    from apps.plm.selectors import bom_explode

    users = {"engineer": make_user(company, "Engineering"), "quality": make_user(company, "Quality"),
             "other": make_user(other_company, "Admin")}
    demo.seed(company=company, other_company=other_company, users=users)
    demo.seed(company=company, other_company=other_company, users=users)
    assert Item.objects.filter(company=company, number__regex=r"^(?!EB-)").count() == 10  # the tractor's
    assert Item.objects.filter(company=company, number__startswith="EB-").count() == 53  # the e-bike range
    assert list(ChangeOrder.objects.filter(company=company).order_by("id").values_list("status", flat=True)) == [
        "released", "draft", "released"]
    rows = bom_explode(item=Item.objects.get(company=company, number="TR-100"))
    assert max(r.level for r in rows) == 3
