"""The live shop floor: the board of every work center, and the live parts of the operator screen and the
work-center page. htmx polls a small partial every second (`hx-trigger="every 1s"`); the board's data is one
cached computation per company (apps/mes/selectors_board.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import require_permission
from apps.mes.models import Equipment, Operation, WorkCenter
from apps.mes.selectors_board import shop_floor_board

POLL = "every 1s"


@login_required
def board(request):
    """The shop-floor board: a tile per work center, live."""
    require_permission(request, "mes.view_workcenter")
    return render(request, "mes/board.html", {"title": "Shop floor", "tiles": shop_floor_board(
        company_id=request.company_id), "poll": POLL})


@login_required
def board_tiles(request):
    """The board's tiles (polled)."""
    require_permission(request, "mes.view_workcenter")
    return render(request, "mes/_board_tiles.html", {"tiles": shop_floor_board(company_id=request.company_id)})


def _live_context(request, work_center: WorkCenter) -> dict:
    tile = next((t for t in shop_floor_board(company_id=request.company_id) if t.id == work_center.pk), None)
    machines = list(Equipment.objects.filter(work_center=work_center).exclude(machine_state="").order_by("code"))
    operation = None
    if request.GET.get("operation", "").isdigit():
        operation = scope_to_active_company(Operation.objects.filter(work_center=work_center), request).filter(
            pk=int(request.GET["operation"])).first()
    return {"work_center": work_center, "tile": tile, "machines": machines, "operation": operation, "poll": POLL,
            "live_url": request.get_full_path()}


@login_required
def work_center_live(request, pk: int):
    """The live part of a work center (operator screen, work-center page): its machines' state, counts today
    and, for the operation shown, the machines' count beside what the operator reported."""
    require_permission(request, "mes.view_workcenter")
    work_center = get_object_or_404(scope_to_active_company(WorkCenter.objects.all(), request), pk=pk)
    return render(request, "mes/_work_center_live.html", _live_context(request, work_center))
