"""State transitions: one declared table per status field, one `transition()` that enforces it.

    class ChangeOrder(...):
        workflow = Workflow("status", {
            "submit": Transition(sources=["draft"], target="submitted"),
            "approve": Transition(sources=["submitted"], target="approved", permission="plm.approve_changeorder"),
        })

A step may also depend on more than the status (`guard`): a done stock move may be reversed once, and
not when it is itself a reversal. The guard names why the step is refused; `allowed_transitions` leaves
the step out and `transition()` answers 409 with that reason. A rule that depends on who takes the step
(an approval threshold) is a `user_guard`: the name of a model method `method(user) -> bool`; it keeps
the step out of `allowed_transitions` and the buttons, and the service enforces the same rule.

Who may take a step at all comes from the role in the record's company: the step's own `permission`,
else `change_<model>` (`may_take_step`).

Services take a workflow step with `step()`: lock the row, snapshot it, transition, (the service's own
work), save, audit:

    with step(purchase_order, verb="cancel", actor=actor, lock=_lock) as order:
        ...  # checks and writes of this step; raising here leaves nothing saved or audited
    return order

and `take_step(...)` (same arguments) when the transition is all there is to it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from apps.core.errors import TransitionNotAllowed


@dataclass(frozen=True)
class Transition:
    """A step from any of `sources` to `target`, optionally needing a permission; `target` None: a step that
    leaves the status as it is (work done in the current state, like reserving what is still short).

    `guard(obj)` returns why the step is not possible now (a sentence), or None when it is; `user_guard` names a
    model method `method(user) -> bool` for a rule that depends on who takes the step (an approval threshold);
    the service enforces the same rule, the user guard only keeps the step out of `allowed_transitions` and the
    buttons.

    `confirm` is the question a user must answer before an irreversible step (sending, posting, shipping,
    releasing, cancelling); the UI's buttons and the kanban ask it. `message` is the flash shown after the
    step, with `{object}` for the record ("{object} sent to the supplier."); without one the UI says which
    status the record reached.
    """

    sources: tuple[str, ...] | list[str]
    target: str | None
    permission: str | None = None
    label: str | None = None
    style: str = "primary"
    guard: Callable[[object], str | None] | None = None
    user_guard: str | None = None
    confirm: str | None = None
    message: str | None = None

    def refusal(self, obj) -> str | None:
        return self.guard(obj) if self.guard is not None else None


@dataclass
class Workflow:
    """The allowed transitions of one status field, keyed by verb (the API action name)."""

    field: str
    transitions: dict[str, Transition] = field(default_factory=dict)

    def verbs_from(self, status: str) -> list[str]:
        return [verb for verb, t in self.transitions.items() if status in t.sources]

    def verbs_for(self, obj) -> list[str]:
        """The verbs allowed from the object's status whose guard (if any) lets it through."""
        return [verb for verb in self.verbs_from(getattr(obj, self.field))
                if self.transitions[verb].refusal(obj) is None]

    def verbs_between(self, source: str, target: str) -> list[str]:
        """The verbs whose transition goes from `source` to `target` (a kanban drop from one column to another)."""
        return [verb for verb, t in self.transitions.items() if source in t.sources and t.target == target]


def _workflow(obj) -> Workflow:
    workflow = getattr(type(obj), "workflow", None)
    if workflow is None:
        raise TypeError(f"{type(obj).__name__} declares no workflow")
    return workflow


def step_permission(model, verb: str) -> str | None:
    """The permission a workflow step declares for itself (then it, not `change_<model>`, is required)."""
    workflow = getattr(model, "workflow", None)
    step = workflow.transitions.get(verb) if workflow else None
    return step.permission if step else None


def may_take_step(obj, verb: str, user) -> bool:
    """Whether the user's role in the object's company allows the step (its own permission, else
    `change_<model>`) and its `user_guard`, if any, lets this user take it now. Status is not looked at."""
    from apps.core.permissions import has_company_perm, model_perm

    step = _workflow(obj).transitions.get(verb)
    if step is None:
        return False
    if not has_company_perm(user, step.permission or model_perm(type(obj), "change"), obj):
        return False
    return step.user_guard is None or bool(getattr(obj, step.user_guard)(user))


def allowed_transitions(obj, user=None) -> list[str]:
    """The verbs allowed from the object's current status and guards (and, given a user, by their role in the
    object's company and the user guards)."""
    workflow = _workflow(obj)
    verbs = workflow.verbs_for(obj)
    if user is not None:
        verbs = [v for v in verbs if may_take_step(obj, v, user)]
    return verbs


def transition(obj, *, to: str | None = None, verb: str | None = None) -> str:
    """Move `obj` to status `to` (or by `verb`) if the table allows it; raise 409 otherwise.

    Sets the attribute only; the calling service saves. Returns the previous status.
    """
    workflow = _workflow(obj)
    current = getattr(obj, workflow.field)
    name = type(obj)._meta.verbose_name
    if verb is not None:
        step = workflow.transitions.get(verb)
        if step is None:
            raise TransitionNotAllowed(workflow.field, f"Unknown action '{verb}'.")
        to = step.target if step.target is not None else current
        allowed = current in step.sources
        refusal = step.refusal(obj) if allowed else None
    else:
        steps = [t for t in workflow.transitions.values() if current in t.sources and t.target == to]
        allowed = bool(steps)
        refusals = [t.refusal(obj) for t in steps]
        refusal = None if any(r is None for r in refusals) else (refusals[0] if refusals else None)
    extra = {"current": current, "requested": to, "allowed_transitions": workflow.verbs_for(obj)}
    if not allowed:
        # a repeated step (a second cancel, a second disposition) says so instead of naming two equal states
        message = (f"Cannot {verb.replace('_', ' ')} {name} {obj} while it is {current}."
                   if verb is not None and workflow.transitions[verb].target is None
                   else f"{str(name).capitalize()} {obj} is already {current}." if current == to
                   else f"Cannot change {name} from '{current}' to '{to}'.")
        raise TransitionNotAllowed(workflow.field, message, extra=extra)
    if refusal is not None:
        raise TransitionNotAllowed(workflow.field, refusal, extra=extra)
    setattr(obj, workflow.field, to)
    return current


def already_locked(row):
    """`step()`'s `lock` for a row the caller's transaction has already locked (no second SELECT ... FOR UPDATE)."""
    return row


@contextmanager
def step(obj, *, verb: str, actor, action: str | None = None, lock: Callable | None = None,
         fields: list[str] | None = None, note: dict | None = None) -> Iterator:
    """Take workflow step `verb` on `obj` inside the caller's transaction.

    Locks the row (`lock(obj)`, default `select_for_update`), snapshots it, transitions it (409 when the table or
    a guard refuses) and yields the locked instance; when the block ends it saves it (`fields`: the columns to
    write, `updated_at` added; default all) and records the change as `action` (default the verb), with `note`
    (a comment, a reason) added to the recorded after-state."""
    from apps.core.audit import record_change, snapshot  # audit needs the models, which import this module

    locked = lock(obj) if lock is not None else type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = snapshot(locked)
    transition(locked, verb=verb)
    yield locked
    if fields is None:
        locked.save()
    else:
        updated = [*fields, "updated_at"] if hasattr(locked, "updated_at") else list(fields)
        locked.save(update_fields=list(dict.fromkeys([_workflow(locked).field, *updated])))
    record_change(locked, actor=actor, action=action or verb, before=before,
                  after={**snapshot(locked), **note} if note else None)


def take_step(obj, *, verb: str, actor, **options):
    """A workflow step with nothing to do but the transition: `step()` without a block; returns the locked row."""
    with step(obj, verb=verb, actor=actor, **options) as locked:
        pass
    return locked
