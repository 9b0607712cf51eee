"""Change requests (ECR) and change orders (ECO): submit, approve by role, reject, release, cancel.

Releasing an ECO is the moment the factory may build the new definition: in one transaction
its revisions are released, the ones they replace superseded, and `plm.revision.released`
is emitted per revision with the BOM snapshot.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.models import Company, Event, Membership
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.permissions import has_company_perm
from apps.core.workflow import allowed_transitions, already_locked, step, take_step, transition
from apps.plm.choices import (
    OPEN_CHANGE_ORDER_STATUSES,
    ApprovalDecision,
    ChangeOrderStatus,
    ChangeRequestSource,
    ChangeRequestStatus,
    LifecycleState,
    RevisionStatus,
)
from apps.plm.events import REVISION_RELEASED, bom_lines, revision_released_payload
from apps.plm.models import ChangeApproval, ChangeApprovalRule, ChangeOrder, ChangeRequest, Item, Revision

DEFAULT_APPROVAL_RULES = {"Engineering": 1, "Quality": 1}


# ---- change requests -------------------------------------------------------------------------

def _check_items(items, company: Company, field: str = "affected_items") -> list[Item]:
    items = list(items or [])
    for item in items:
        require_same_company(company, **{field: item})
    return items


@transaction.atomic
def change_request_create(*, company: Company, title: str, problem: str, actor, affected_items=(),
                          reference: str = "", source: str = ChangeRequestSource.MANUAL,
                          requested_by=None, source_event: Event | None = None) -> ChangeRequest:
    """Open an engineering change request."""
    if not (title or "").strip():
        raise DomainError("title", "Say in a few words what should change.")
    if not (problem or "").strip():
        raise DomainError("problem", "Describe the problem.")
    items = _check_items(affected_items, company)
    request = ChangeRequest.objects.create(
        company=company, number=next_number(company=company, doc_type="ECR"), title=title.strip()[:200],
        problem=problem.strip(), reference=reference or "", source=source, source_event=source_event,
        requested_by=requested_by if requested_by is not None else (actor if getattr(actor, "pk", None) else None),
    )
    request.affected_items.set(items)
    record_change(request, actor=actor, action="create")
    return request


@transaction.atomic
def change_request_update(*, instance: ChangeRequest, actor, **changes) -> ChangeRequest:
    """Edit an open change request."""
    request = ChangeRequest.objects.select_for_update().get(pk=instance.pk)
    if request.status != ChangeRequestStatus.OPEN:
        raise ConflictError("status", f"{request.number} is {request.status}; only open requests change.")
    before = snapshot(request)
    changes.pop("company", None)
    items = changes.pop("affected_items", None)
    for name, value in changes.items():
        if name not in ("title", "problem", "reference"):
            raise DomainError(name, f"'{name}' cannot be changed here.")
        setattr(request, name, value)
    request.save()
    if items is not None:
        request.affected_items.set(_check_items(items, request.company))
    record_change(request, actor=actor, action="update", before=before)
    return request


def _change_request_step(verb: str):
    @transaction.atomic
    def run(*, change_request: ChangeRequest, actor, comment: str = "") -> ChangeRequest:
        return take_step(change_request, verb=verb, actor=actor, fields=[], note={"comment": comment})

    run.__name__ = f"change_request_{verb}"
    run.__doc__ = f"{verb.capitalize()} a change request (workflow step '{verb}')."
    return run


change_request_accept = _change_request_step("accept")
change_request_reject = _change_request_step("reject")
change_request_close = _change_request_step("close")


@transaction.atomic
def change_request_from_event(*, event: Event, source: str) -> ChangeRequest:
    """Open an ECR from a CRM feedback or MES non-conformance event, once per event.

    Payload contract: {"item_numbers": [...], "description": str, "reference": str}.
    """
    existing = ChangeRequest.objects.filter(source_event=event).first()
    if existing is not None:
        return existing
    payload = event.payload or {}
    numbers = [str(n).upper() for n in payload.get("item_numbers") or []]
    items = list(Item.objects.filter(company_id=event.company_id, number__in=numbers))
    unknown = sorted(set(numbers) - {i.number for i in items})
    description = str(payload.get("description") or "").strip() or "(no description given)"
    if unknown:
        description += f"\n\nUnknown item numbers: {', '.join(unknown)}"
    label = ChangeRequestSource(source).label
    reference = str(payload.get("reference") or "")[:100]
    return change_request_create(
        company=event.company, title=f"{label}: {reference or description.splitlines()[0]}"[:200],
        problem=description, affected_items=items, reference=reference, source=source, source_event=event,
        actor=None, requested_by=None,
    )


# ---- approval rules ----------------------------------------------------------------------------

def required_roles(company: Company) -> dict[Group, int]:
    """The roles whose approval an ECO of this company needs, and how many of each."""
    rules = list(ChangeApprovalRule.objects.filter(company=company).select_related("role"))
    if rules:
        return {rule.role: rule.required_count for rule in rules}
    return {group: DEFAULT_APPROVAL_RULES[group.name]
            for group in Group.objects.filter(name__in=DEFAULT_APPROVAL_RULES)}


def _cached(cache: dict | None, key: tuple, compute):
    """`compute()` once per key when the caller keeps a cache (a list serializes many orders of one company)."""
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _current_approvals(change_order: ChangeOrder) -> list[ChangeApproval]:
    if "approvals" in getattr(change_order, "_prefetched_objects_cache", {}):
        return [a for a in change_order.approvals.all()
                if a.round == change_order.round and a.decision == ApprovalDecision.APPROVED]
    return list(change_order.approvals.filter(round=change_order.round, decision=ApprovalDecision.APPROVED)
                .select_related("approver"))


def approval_status(change_order: ChangeOrder, *, cache: dict | None = None) -> list[dict]:
    """Per required role: how many approvals it needs and who has approved in the current round."""
    approvals = _current_approvals(change_order)
    rules = _cached(cache, ("rules", change_order.company_id), lambda: required_roles(change_order.company))
    result = []
    for role, required in sorted(rules.items(), key=lambda kv: kv[0].name):
        approvers = [a.approver.username for a in approvals if a.role_id == role.pk]
        result.append({"role": role.name, "role_id": role.pk, "required": required, "approved": len(approvers),
                       "approvers": approvers, "satisfied": len(approvers) >= required})
    return result


def _role_of(user, company: Company) -> Group | None:
    membership = Membership.objects.filter(user=user, company=company).select_related("role").first()
    return membership.role if membership else None


def approval_refusal(change_order: ChangeOrder, user, *, cache: dict | None = None) -> str | None:
    """Why `user` may not approve this ECO now (None: they may)."""
    if change_order.status != ChangeOrderStatus.SUBMITTED:
        return f"{change_order.number} is {change_order.status}, not submitted."
    role = _cached(cache, ("role", user.pk, change_order.company_id), lambda: _role_of(user, change_order.company))
    status = {s["role_id"]: s for s in approval_status(change_order, cache=cache)}
    if role is None or role.pk not in status:
        needed = ", ".join(s["role"] for s in status.values())
        return f"Your role ({role or 'none'}) is not among the approving roles ({needed})."
    if user.username in status[role.pk]["approvers"]:
        return "You have already approved this change order."
    if status[role.pk]["satisfied"]:
        return f"The {role.name} approvals are already complete."
    return None


def change_order_verbs(change_order: ChangeOrder, user, *, cache: dict | None = None) -> list[str]:
    """The workflow steps `user` may take on this ECO now (status, permissions and approval rules).

    `cache` (a dict the caller keeps for one request) shares the company's rules and the user's role between
    the orders of a list.
    """
    verbs = allowed_transitions(change_order, user)
    if "approve" in verbs and approval_refusal(change_order, user, cache=cache) is not None:
        verbs.remove("approve")
    if "reject" in verbs:
        role = _cached(cache, ("role", user.pk, change_order.company_id),
                       lambda: _role_of(user, change_order.company))
        rules = _cached(cache, ("rules", change_order.company_id), lambda: required_roles(change_order.company))
        if role is None or role not in rules:
            verbs.remove("reject")
    return verbs


# ---- change orders ----------------------------------------------------------------------------

def _check_revisions(revisions, company: Company, exclude_order: ChangeOrder | None = None) -> list[Revision]:
    revisions = list(revisions or [])
    items = set()
    for revision in revisions:
        require_same_company(company, revisions=revision)
        if revision.status != RevisionStatus.DRAFT:
            raise DomainError("revisions", f"Revision {revision} is {revision.status}; an order releases new "
                                           "draft revisions only.")
        if revision.item_id in items:
            raise DomainError("revisions", f"Two revisions of {revision.item.number} on one order.")
        items.add(revision.item_id)
        others = revision.change_orders.filter(status__in=OPEN_CHANGE_ORDER_STATUSES)
        if exclude_order is not None:
            others = others.exclude(pk=exclude_order.pk)
        if (other := others.first()) is not None:
            raise DomainError("revisions", f"Revision {revision} is already on {other.number}.")
    return revisions


@transaction.atomic
def change_order_create(*, company: Company, title: str, actor, reason: str = "", revisions=(),
                        change_request: ChangeRequest | None = None) -> ChangeOrder:
    """Draft an ECO for a set of new draft revisions."""
    if not (title or "").strip():
        raise DomainError("title", "Give the change order a title.")
    require_same_company(company, change_request=change_request)
    revisions = _check_revisions(revisions, company)
    order = ChangeOrder.objects.create(company=company, number=next_number(company=company, doc_type="ECO"),
                                       title=title.strip(), reason=reason or "", change_request=change_request)
    order.revisions.set(revisions)
    record_change(order, actor=actor, action="create", after={**snapshot(order),
                                                              "revisions": [r.pk for r in revisions]})
    return order


@transaction.atomic
def change_order_update(*, instance: ChangeOrder, actor, **changes) -> ChangeOrder:
    """Edit a draft ECO (title, reason, revisions, change request)."""
    order = ChangeOrder.objects.select_for_update().get(pk=instance.pk)
    if order.status != ChangeOrderStatus.DRAFT:
        raise ConflictError("status", f"{order.number} is {order.status}; only a draft order can change.",
                            extra={"current_status": order.status})
    before = {**snapshot(order), "revisions": list(order.revisions.values_list("pk", flat=True))}
    changes.pop("company", None)
    revisions = changes.pop("revisions", None)
    for name, value in changes.items():
        if name not in ("title", "reason", "change_request"):
            raise DomainError(name, f"'{name}' cannot be changed here.")
        if name == "change_request":
            require_same_company(order.company_id, change_request=value)
        setattr(order, name, value)
    order.save()
    if revisions is not None:
        order.revisions.set(_check_revisions(revisions, order.company, exclude_order=order))
    record_change(order, actor=actor, action="update", before=before,
                  after={**snapshot(order), "revisions": list(order.revisions.values_list("pk", flat=True))})
    return order


def _lock(change_order: ChangeOrder) -> ChangeOrder:
    return ChangeOrder.objects.select_for_update().select_related("company").get(pk=change_order.pk)


def _locked_revisions(order: ChangeOrder) -> list[Revision]:
    return list(Revision.objects.select_for_update().filter(change_orders=order).select_related("item")
                .order_by("item_id"))


def _set_item_state(item: Item, state: str) -> None:
    Item.objects.filter(pk=item.pk).update(lifecycle_state=state, updated_at=timezone.now())


@transaction.atomic
def change_order_submit(*, change_order: ChangeOrder, actor) -> ChangeOrder:
    """Send a draft ECO for approval; its revisions go in review and can no longer change."""
    with step(change_order, verb="submit", actor=actor, lock=_lock, fields=["round", "submitted_at"]) as order:
        revisions = _locked_revisions(order)
        if not revisions:
            raise DomainError("revisions", "Add at least one new revision to release.")
        _check_revisions(revisions, order.company, exclude_order=order)
        for revision in revisions:
            transition(revision, verb="submit")
            revision.save(update_fields=["status", "updated_at"])
            if revision.item.lifecycle_state == LifecycleState.DRAFT:
                _set_item_state(revision.item, LifecycleState.IN_REVIEW)
        order.round += 1
        order.submitted_at = timezone.now()
    return order


@transaction.atomic
def change_order_approve(*, change_order: ChangeOrder, actor, comment: str = "") -> ChangeOrder:
    """Record the actor's approval for their role; the ECO is approved when every required role is satisfied."""
    order = _lock(change_order)
    before = snapshot(order)
    if order.status != ChangeOrderStatus.SUBMITTED:
        transition(order, verb="approve")  # raises the 409 naming the current status
    if not has_company_perm(actor, "plm.approve_changeorder", order):
        raise PermissionDeniedError(None, "Your role may not approve change orders.")
    refusal = approval_refusal(order, actor)
    if refusal is not None:
        role = _role_of(actor, order.company)
        if role is None or role not in required_roles(order.company):
            raise PermissionDeniedError(None, refusal)
        raise ConflictError(None, refusal, code="already_approved")
    ChangeApproval.objects.create(change_order=order, round=order.round, approver=actor,
                                  role=_role_of(actor, order.company), decision=ApprovalDecision.APPROVED,
                                  comment=comment or "")
    if all(s["satisfied"] for s in approval_status(order)):
        transition(order, verb="approve")
        order.approved_at = timezone.now()
        order.save(update_fields=["status", "approved_at", "updated_at"])
    record_change(order, actor=actor, action="approve", before=before, after={**snapshot(order), "comment": comment})
    return order


@transaction.atomic
def change_order_reject(*, change_order: ChangeOrder, actor, comment: str = "") -> ChangeOrder:
    """Send a submitted ECO back to draft for rework; the rejection and its comment are recorded."""
    with step(change_order, verb="reject", actor=actor, lock=_lock, fields=[], note={"comment": comment}) as order:
        role = _role_of(actor, order.company)
        if role is None or role not in required_roles(order.company):
            raise PermissionDeniedError(None, f"Your role ({role or 'none'}) is not among the approving roles.")
        if not (comment or "").strip():
            raise DomainError("comment", "Say why the change order is rejected.")
        ChangeApproval.objects.create(change_order=order, round=order.round, approver=actor, role=role,
                                      decision=ApprovalDecision.REJECTED, comment=comment.strip())
        _return_revisions(order)
    return order


def _return_revisions(order: ChangeOrder) -> None:
    for revision in _locked_revisions(order):
        if revision.status == RevisionStatus.IN_REVIEW:
            transition(revision, verb="withdraw")
            revision.save(update_fields=["status", "updated_at"])
            if revision.item.lifecycle_state == LifecycleState.IN_REVIEW:
                _set_item_state(revision.item, LifecycleState.DRAFT)


@transaction.atomic
def change_order_cancel(*, change_order: ChangeOrder, actor, comment: str = "") -> ChangeOrder:
    """Abandon an unreleased ECO; its revisions return to draft."""
    with step(change_order, verb="cancel", actor=actor, lock=_lock, fields=[], note={"comment": comment}) as order:
        _return_revisions(order)
    return order


@transaction.atomic
def change_order_release(*, change_order: ChangeOrder, actor) -> ChangeOrder:
    """Release an approved ECO: release its revisions, supersede their predecessors, tell the factory."""
    with step(change_order, verb="release", actor=actor, lock=_lock, fields=["released_at", "released_by"]) as order:
        now = timezone.now()
        today = timezone.localdate()
        revisions = _locked_revisions(order)
        items = {i.pk: i for i in Item.objects.select_for_update().filter(pk__in=[r.item_id for r in revisions])
                 .order_by("pk")}
        for revision in revisions:
            item = items[revision.item_id]
            if item.lifecycle_state == LifecycleState.OBSOLETE:
                raise ConflictError("revisions", f"{item.number} became obsolete; it cannot be released.")
            lines = bom_lines(revision)  # read once: checked here, then the event's BOM snapshot
            obsolete = next((line for line in lines if line.component.lifecycle_state == LifecycleState.OBSOLETE),
                            None)
            if obsolete is not None:
                raise ConflictError("revisions", f"Revision {revision} uses {obsolete.component.number}, which is "
                                                 "obsolete; revise the BOM first.")
            for previous in Revision.objects.select_for_update().filter(item=item, status=RevisionStatus.RELEASED):
                take_step(previous, verb="supersede", actor=actor, fields=[])
            with step(revision, verb="release", actor=actor, fields=["released_at", "effective_from"],
                      lock=already_locked) as released:
                released.released_at = now
                released.effective_from = released.effective_from or today
            with step(item, verb="release", actor=actor, fields=["current_revision"], lock=already_locked) as item:
                item.current_revision = released
            emit(REVISION_RELEASED, company=order.company, subject=released,
                 payload=revision_released_payload(released, order, lines=lines))
        order.released_at = now
        order.released_by = actor if getattr(actor, "pk", None) else None
        if order.change_request_id:
            ChangeRequest.objects.filter(pk=order.change_request_id, status=ChangeRequestStatus.ACCEPTED).update(
                status=ChangeRequestStatus.CLOSED, updated_at=now)
    return order


def change_order_impact(change_order: ChangeOrder) -> list[dict]:
    """For each affected item: where it is used (multi-level), to judge the change's reach."""
    from apps.plm.selectors import where_used

    return [{"revision": r.pk, "item": r.item_id, "number": r.item.number, "code": r.code,
             "where_used": where_used(item=r.item)}
            for r in change_order.revisions.select_related("item").order_by("item__number")]
