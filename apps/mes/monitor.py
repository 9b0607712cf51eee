"""MES on the flow monitor: machine signals dropped by the gateway and the bulk API in the last 7 days, per
reason (stored in `MachineSignalDrop`, one row per company, day and reason)."""

import datetime

from django.db.models import Sum
from django.utils import timezone

from apps.core.monitor import register_monitor_counters
from apps.mes.choices import SignalDropReason
from apps.mes.models import MachineSignalDrop

DAYS = 7


def dropped_signals(request) -> list[tuple[str, int, str]]:
    since = timezone.localdate() - datetime.timedelta(days=DAYS - 1)
    totals = dict(MachineSignalDrop.objects.filter(company_id=request.company_id, day__gte=since)
                  .values_list("reason").annotate(total=Sum("count")).order_by())
    return [(reason.label, totals.get(reason.value, 0), "danger" if reason == SignalDropReason.WRONG_COMPANY
             else "warning") for reason in SignalDropReason]


register_monitor_counters(f"Machine signals dropped (last {DAYS} days)", "mes.view_machinesignal", dropped_signals,
                          help="never stored: fix the machine's payload, topic or clock")
