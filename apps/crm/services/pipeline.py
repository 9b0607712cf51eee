"""The pipeline: stages per company (seeded on first use), opportunities moved, won and lost.

An opportunity's status follows its stage: it is open in every stage but the won and the lost one. Won and
lost opportunities are closed: moving, editing, winning or losing them again answers 409.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import Company, Party
from apps.core.numbering import next_number
from apps.core.selectors import exchange_rate
from apps.core.services.records import record_create, record_delete, record_update
from apps.core.workflow import transition
from apps.crm.choices import OpportunityStatus, TimelineKind
from apps.crm.events import OPPORTUNITY_LOST, OPPORTUNITY_WON, opportunity_payload
from apps.crm.models import Opportunity, PipelineStage, SalesTarget
from apps.crm.services.common import check_company, check_contact, check_customer, keep_fields
from apps.crm.services.timeline import announce

CENT = Decimal("0.01")
# name, order, default probability %, won, lost
DEFAULT_STAGES = [
    ("Prospecting", 10, 10, False, False),
    ("Qualification", 20, 25, False, False),
    ("Proposal", 30, 50, False, False),
    ("Negotiation", 40, 75, False, False),
    ("Won", 90, 100, True, False),
    ("Lost", 100, 0, False, True),
]
EDITABLE = ("customer", "contact", "title", "amount", "currency", "stage", "probability", "expected_close", "owner",
            "notes")
STAGE_FIELDS = ("name", "order", "probability", "is_won", "is_lost")


# ---- stages --------------------------------------------------------------------------------------------------
@transaction.atomic
def pipeline_stages_ensure(*, company: Company) -> list[PipelineStage]:
    """The company's stages in order; the default pipeline is created on first use (once, under a lock)."""
    stages = list(PipelineStage.objects.filter(company=company))
    if stages:
        return stages
    Company.objects.select_for_update().get(pk=company.pk)  # two first uses at once create the stages once
    if not PipelineStage.objects.filter(company=company).exists():
        PipelineStage.objects.bulk_create([
            PipelineStage(company=company, name=name, order=order, probability=Decimal(probability), is_won=won,
                          is_lost=lost) for name, order, probability, won, lost in DEFAULT_STAGES])
    return list(PipelineStage.objects.filter(company=company))


def _stage_with_flag(company: Company, flag: str) -> PipelineStage:
    pipeline_stages_ensure(company=company)
    stage = PipelineStage.objects.filter(company=company, **{flag: True}).first()
    if stage is None:
        kind = "won" if flag == "is_won" else "lost"
        raise DomainError("stage", f"The pipeline of {company.code} has no {kind} stage: mark one as {kind}.",
                          code=f"no_{kind}_stage")
    return stage


def first_open_stage(company: Company) -> PipelineStage:
    stages = [s for s in pipeline_stages_ensure(company=company) if not s.is_closed]
    if not stages:
        raise DomainError("stage", f"The pipeline of {company.code} has no open stage.", code="no_open_stage")
    return stages[0]


@transaction.atomic
def pipeline_stage_create(*, company: Company, actor, **fields) -> PipelineStage:
    """A new column of the company's pipeline."""
    return record_create(model=PipelineStage, actor=actor, company=company, **keep_fields(fields, STAGE_FIELDS))


@transaction.atomic
def pipeline_stage_update(*, instance: PipelineStage, actor, **fields) -> PipelineStage:
    """Rename, reorder or re-weigh a stage; whether it is the won or lost stage stays while opportunities are in
    it (their status follows the stage)."""
    fields = keep_fields(fields, STAGE_FIELDS)
    flags_change = any(name in fields and fields[name] != getattr(instance, name) for name in ("is_won", "is_lost"))
    if flags_change and instance.opportunities.exists():
        raise ConflictError("is_won", f"Opportunities are in {instance.name}: move them before making it a won or "
                                      "lost stage or an open one.", code="stage_in_use")
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def pipeline_stage_delete(*, instance: PipelineStage, actor) -> None:
    """Remove an empty stage (one with opportunities answers 409)."""
    record_delete(instance=instance, actor=actor)


# ---- opportunities -------------------------------------------------------------------------------------------
def _convert(opportunity: Opportunity) -> None:
    """The amount in company currency at the company's own rate of today (a missing rate names itself)."""
    company = opportunity.company
    opportunity.exchange_rate = exchange_rate(company=company, currency=opportunity.currency,
                                              date=timezone.localdate())
    opportunity.amount_company_currency = (opportunity.amount * opportunity.exchange_rate).quantize(CENT)


def _check(opportunity: Opportunity) -> None:
    company = opportunity.company
    if opportunity.probability is None:
        raise DomainError("probability", "The probability is a percentage from 0 to 100.", code="required")
    check_customer(opportunity.customer, company)
    check_contact(opportunity.contact, opportunity.customer)
    check_company(company, stage=opportunity.stage, owner=opportunity.owner)
    if not (opportunity.title or "").strip():
        raise DomainError("title", "Say what the customer might buy.", code="required")
    if opportunity.amount is None or opportunity.amount < 0:
        raise DomainError("amount", "The amount cannot be negative.", code="min_value")
    if not Decimal(0) <= Decimal(opportunity.probability) <= Decimal(100):
        raise DomainError("probability", "The probability is a percentage from 0 to 100.", code="invalid")


@transaction.atomic
def opportunity_create(*, company: Company, actor, customer: Party, title: str, amount: Decimal = Decimal(0),
                       currency=None, stage: PipelineStage | None = None, probability: Decimal | None = None,
                       expected_close=None, owner=None, contact=None, notes: str = "") -> Opportunity:
    """Open an opportunity (number `OP-2026-00001`) in an open stage (the first by default), with the stage's
    probability unless one is given."""
    stage = stage or first_open_stage(company)
    if stage.is_closed:
        raise DomainError("stage", "A new opportunity starts in an open stage; win or lose it afterwards.",
                          code="closed_stage")
    opportunity = Opportunity(
        company=company, customer=customer, title=(title or "").strip(), amount=Decimal(amount or 0),
        currency=currency or customer.currency or company.currency, stage=stage,
        probability=stage.probability if probability is None else probability, expected_close=expected_close,
        owner=owner, contact=contact, notes=notes)
    _check(opportunity)
    _convert(opportunity)
    opportunity.number = next_number(company=company, doc_type="OP")
    opportunity.save()
    record_change(opportunity, actor=actor, action="create")
    return opportunity


def _lock(opportunity: Opportunity) -> Opportunity:
    return (Opportunity.objects.select_for_update(of=("self",)).select_related("company", "currency", "stage",
                                                                               "customer")
            .get(pk=opportunity.pk))


def _refuse_closed(opportunity: Opportunity, requested: str) -> None:
    if opportunity.status != OpportunityStatus.OPEN:
        raise TransitionNotAllowed(
            "status", f"{opportunity.number} is {opportunity.get_status_display().lower()}: it no longer moves or "
                      "changes.", extra={"current": opportunity.status, "requested": requested,
                                         "allowed_transitions": []})


@transaction.atomic
def opportunity_update(*, instance: Opportunity, actor, **fields) -> Opportunity:
    """Change an open opportunity; a new stage is a move (its probability unless one is given)."""
    opportunity = _lock(instance)
    _refuse_closed(opportunity, "update")
    fields = keep_fields(fields, EDITABLE)
    stage = fields.pop("stage", None)
    if fields.get("probability", 0) is None:
        fields.pop("probability")  # an emptied field keeps the probability (or takes the new stage's)
    if fields.get("currency", 0) is None:
        fields.pop("currency")
    if stage is not None and stage.pk != opportunity.stage_id:
        if stage.is_closed:
            raise DomainError("stage", "Win or lose the opportunity with its own step.", code="closed_stage")
        opportunity.stage = stage
        fields.setdefault("probability", stage.probability)
    before = snapshot(opportunity)
    for name, value in fields.items():
        setattr(opportunity, name, value)
    _check(opportunity)
    _convert(opportunity)
    opportunity.save()
    record_change(opportunity, actor=actor, action="update", before=before)
    return opportunity


@transaction.atomic
def opportunity_delete(*, instance: Opportunity, actor) -> None:
    """Delete an open opportunity nothing refers to (a won one is history)."""
    _refuse_closed(instance, "delete")
    record_delete(instance=instance, actor=actor)


@transaction.atomic
def opportunity_move(*, opportunity: Opportunity, stage: PipelineStage, actor, lost_reason: str = "") -> Opportunity:
    """Move an open opportunity to another stage (the board's drag and drop); into the won or lost stage it is
    won or lost. A closed opportunity answers 409."""
    locked = _lock(opportunity)
    _refuse_closed(locked, "move")
    check_company(locked.company, stage=stage)
    if stage.is_won:
        return opportunity_win(opportunity=locked, actor=actor)
    if stage.is_lost:
        return opportunity_lose(opportunity=locked, actor=actor, lost_reason=lost_reason)
    before = snapshot(locked)
    locked.stage, locked.probability = stage, stage.probability
    locked.save(update_fields=["stage", "probability", "updated_at"])
    record_change(locked, actor=actor, action="move", before=before)
    return locked


def _close(opportunity: Opportunity, *, verb: str, actor, lost_reason: str = "") -> Opportunity:
    opportunity = _lock(opportunity)
    before = snapshot(opportunity)
    transition(opportunity, verb=verb)  # 409 unless open
    won = verb == "win"
    opportunity.stage = _stage_with_flag(opportunity.company, "is_won" if won else "is_lost")
    opportunity.probability = Decimal(100) if won else Decimal(0)
    opportunity.lost_reason = "" if won else lost_reason.strip()
    opportunity.closed_on = timezone.localdate()
    opportunity.save()
    record_change(opportunity, actor=actor, action=verb, before=before)
    title = f"Opportunity {opportunity.number} {'won' if won else 'lost'}: {opportunity.title}"
    if not won:
        title += f" ({opportunity.lost_reason})"
    announce(OPPORTUNITY_WON if won else OPPORTUNITY_LOST, subject=opportunity, customer=opportunity.customer,
             payload=opportunity_payload(opportunity), title=title, reference=opportunity.number,
             kind=TimelineKind.OPPORTUNITY_WON if won else TimelineKind.OPPORTUNITY_LOST,
             amount=opportunity.amount, currency_code=opportunity.currency.code)
    return opportunity


@transaction.atomic
def opportunity_win(*, opportunity: Opportunity, actor) -> Opportunity:
    """Won: into the won stage at 100 %, closed today; `crm.opportunity.won`."""
    return _close(opportunity, verb="win", actor=actor)


@transaction.atomic
def opportunity_lose(*, opportunity: Opportunity, actor, lost_reason: str = "") -> Opportunity:
    """Lost, saying why: into the lost stage at 0 %, closed today; `crm.opportunity.lost`."""
    locked = _lock(opportunity)
    _refuse_closed(locked, "lose")  # a closed opportunity answers 409 before its missing reason
    if not (lost_reason or "").strip():
        raise DomainError("lost_reason", "Say why the opportunity was lost.", code="required")
    return _close(locked, verb="lose", actor=actor, lost_reason=lost_reason)


# ---- targets -------------------------------------------------------------------------------------------------
TARGET_FIELDS = ("owner", "month", "amount")


def _target_fields(company: Company, fields: dict) -> dict:
    fields = keep_fields(fields, TARGET_FIELDS)
    check_company(company, owner=fields.get("owner"))
    if fields.get("month") is not None:
        fields["month"] = fields["month"].replace(day=1)  # a target is for a whole month
    return fields


@transaction.atomic
def sales_target_create(*, company: Company, actor, **fields) -> SalesTarget:
    """What a salesperson (a member of the company) should win in a month."""
    return record_create(model=SalesTarget, actor=actor, company=company, **_target_fields(company, fields))


@transaction.atomic
def sales_target_update(*, instance: SalesTarget, actor, **fields) -> SalesTarget:
    return record_update(instance=instance, actor=actor, **_target_fields(instance.company, fields))
