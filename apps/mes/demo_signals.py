"""Demo data of the connected shop floor: the demo's machines speak MQTT, and the machine codes of their stops
are mapped to downtime reasons (JAM is left unmapped: it shows up as an unclassified stop). Idempotent."""

from apps.mes.choices import MachineConnection
from apps.mes.models import DowntimeReason, Equipment

CONNECTED = ["CNC-1", "LATHE-1", "MILL-1", "BENCH-1"]
MACHINE_CODES = {"BRK": "FAULT", "MAT": "STARVED", "SETUP": "CHANGEOVER"}


def seed_signals(*, company) -> None:
    Equipment.objects.filter(work_center__company=company, code__in=CONNECTED,
                             connection=MachineConnection.NONE).update(connection=MachineConnection.MQTT)
    for code, machine_code in MACHINE_CODES.items():
        DowntimeReason.objects.filter(company=company, code=code, machine_code="").update(machine_code=machine_code)
