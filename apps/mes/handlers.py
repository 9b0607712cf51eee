"""@subscriber functions of MES for other modules' events: thin, they call a service."""

from apps.core.outbox import subscriber
from apps.mes.events import REVISION_RELEASED


@subscriber(REVISION_RELEASED)
def on_revision_released(event) -> None:
    """PLM released a revision: store its BOM snapshot as the manufacturing definition."""
    from apps.mes.services.definitions import manufacturing_definition_store

    manufacturing_definition_store(event=event)
