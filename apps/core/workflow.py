"""State transitions: one declared table per status field, one `transition()` that enforces it.

    class ChangeOrder(...):
        workflow = Workflow("status", {
            "submit": Transition(sources=["draft"], target="submitted"),
            "approve": Transition(sources=["submitted"], target="approved", permission="plm.approve_changeorder"),
        })
"""

from dataclasses import dataclass, field

from apps.core.errors import TransitionNotAllowed


@dataclass(frozen=True)
class Transition:
    """A step from any of `sources` to `target`, optionally needing a permission.

    `guard` names a method of the model, `guard(user) -> bool`, for a rule beyond status and role that
    decides whether this user may take the step now (an approval threshold); the service enforces the same
    rule, the guard only keeps the step out of `allowed_transitions` and the buttons.

    `confirm` is the question a user must answer before an irreversible step (sending, posting, shipping,
    releasing, cancelling); the UI's buttons and the kanban ask it. `message` is the flash shown after the
    step, with `{object}` for the record ("{object} sent to the supplier."); without one the UI says which
    status the record reached.
    """

    sources: tuple[str, ...] | list[str]
    target: str
    permission: str | None = None
    label: str | None = None
    style: str = "primary"
    guard: str | None = None
    confirm: str | None = None
    message: str | None = None


@dataclass
class Workflow:
    """The allowed transitions of one status field, keyed by verb (the API action name)."""

    field: str
    transitions: dict[str, Transition] = field(default_factory=dict)

    def verbs_from(self, status: str) -> list[str]:
        return [verb for verb, t in self.transitions.items() if status in t.sources]

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
    `change_<model>`) and its guard, if any, lets this user take it now. Status is not looked at."""
    from apps.core.permissions import has_company_perm, model_perm

    step = _workflow(obj).transitions.get(verb)
    if step is None:
        return False
    if not has_company_perm(user, step.permission or model_perm(type(obj), "change"), obj):
        return False
    return step.guard is None or bool(getattr(obj, step.guard)(user))


def allowed_transitions(obj, user=None) -> list[str]:
    """The verbs allowed from the object's current status (and, given a user, by their role and the guards)."""
    workflow = _workflow(obj)
    status = getattr(obj, workflow.field)
    verbs = workflow.verbs_from(status)
    if user is not None:
        verbs = [v for v in verbs if may_take_step(obj, v, user)]
    return verbs


def transition(obj, *, to: str | None = None, verb: str | None = None) -> str:
    """Move `obj` to status `to` (or by `verb`) if the table allows it; raise 409 otherwise.

    Sets the attribute only; the calling service saves. Returns the previous status.
    """
    workflow = _workflow(obj)
    current = getattr(obj, workflow.field)
    if verb is not None:
        step = workflow.transitions.get(verb)
        if step is None:
            raise TransitionNotAllowed(workflow.field, f"Unknown action '{verb}'.")
        to = step.target
        allowed = current in step.sources
    else:
        allowed = any(current in t.sources and t.target == to for t in workflow.transitions.values())
    if not allowed:
        raise TransitionNotAllowed(
            workflow.field,
            f"Cannot change {type(obj)._meta.verbose_name} from '{current}' to '{to}'.",
            extra={"current": current, "requested": to, "allowed_transitions": workflow.verbs_from(current)},
        )
    setattr(obj, workflow.field, to)
    return current
