"""The kanban board of a Resource that declares `kanban = KanbanSpec(...)`: columns of cards by status.

The board only reads. Moving a card posts to the resource's move view, which takes the same workflow action a
button on the record's page takes (`ResourceKanbanMoveView`), so every rule of the service applies.
"""

from django.db.models import Count
from django.urls import reverse

from apps.core.permissions import has_company_perm, model_perm
from apps.core.ui.display import display_fields


def allowed_moves(resource, user, company_id) -> dict[str, dict[str, dict]]:
    """`{from: {to: {"verb", "label", "confirm"}}}`: the drops the user's role may try (the status of each record
    and the services' rules are checked when a card is dropped)."""
    spec, workflow = resource.kanban, resource.model.workflow
    moves: dict[str, dict[str, dict]] = {}
    for source in spec.columns:
        for target in spec.columns:
            for verb in spec.drop_verbs(workflow, source, target):
                action = resource.actions.get(verb)
                step = workflow.transitions[verb]
                if action is None or not has_company_perm(user, step.permission or model_perm(resource.model,
                                                                                                "change"), company_id):
                    continue
                moves.setdefault(source, {})[target] = {
                    "verb": verb, "label": action.label or step.label or verb.replace("_", " ").capitalize(),
                    "confirm": action.confirm or step.confirm or "",
                }
                break
    return moves


def kanban_board(resource, queryset, user, company_id) -> dict:
    """The columns (status, label, count, list URL, cards) of the board over `queryset` (already scoped), in the
    shape `core/partials/kanban_board.html` renders."""
    spec = resource.kanban
    list_url, move_name = reverse(resource.url_name("list")), resource.url_name("move")
    status_field = resource.model._meta.get_field(spec.field)
    labels = dict(status_field.flatchoices)
    counts = dict(queryset.filter(**{f"{spec.field}__in": spec.columns}).order_by()
                  .values_list(spec.field).annotate(n=Count("pk")))
    ordering = spec.ordering or resource.model._meta.ordering or ["pk"]
    columns = []
    for status in spec.columns:
        in_column = queryset.filter(**{spec.field: status})
        if status in spec.done:
            rows = in_column.order_by("-pk")[:spec.done_limit]
        else:
            rows = in_column.order_by(*ordering)[:spec.limit]
        columns.append({
            "status": status, "label": labels.get(status, status), "count": counts.get(status, 0),
            "done": status in spec.done,
            "list_url": f"{list_url}?{spec.field}={status}",
            "cards": [{"object": row, "url": resource.detail_url(row), "fields": display_fields(row, spec.card_fields),
                       "move_url": reverse(move_name, args=[row.pk])} for row in rows],
        })
    moves = allowed_moves(resource, user, company_id)
    return {"columns": columns, "moves": moves, "can_move": bool(moves), "field": spec.field}
