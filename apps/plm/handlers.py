"""@subscriber functions of PLM: customer feedback and non-conformances open change requests."""

from apps.core.outbox import subscriber
from apps.plm.choices import ChangeRequestSource
from apps.plm.services.changes import change_request_from_event


@subscriber("crm.feedback.submitted")
def on_feedback_submitted(event) -> None:
    """A customer reported a product problem: open an ECR for the items named."""
    change_request_from_event(event=event, source=ChangeRequestSource.CRM_FEEDBACK)


@subscriber("mes.nonconformance.raised")
def on_nonconformance_raised(event) -> None:
    """Production found a non-conformance: open an ECR for the items named."""
    change_request_from_event(event=event, source=ChangeRequestSource.MES_NONCONFORMANCE)
