"""Change management: requests (ECR), orders (ECO), their approvals and the approval rules."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.plm.choices import ApprovalDecision, ChangeOrderStatus, ChangeRequestSource, ChangeRequestStatus


class ChangeRequest(CompanyOwnedModel):
    """An engineering change request (ECR): a problem someone wants engineering to look at."""

    number = models.CharField(max_length=30, editable=False)
    title = models.CharField(max_length=200)
    problem = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    affected_items = models.ManyToManyField("plm.Item", blank=True, related_name="change_requests")
    status = models.CharField(max_length=10, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.OPEN)
    source = models.CharField(max_length=20, choices=ChangeRequestSource.choices, default=ChangeRequestSource.MANUAL)
    reference = models.CharField(max_length=100, blank=True, help_text="The feedback or non-conformance it came from.")
    source_event = models.ForeignKey("core.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    workflow = Workflow("status", {
        "accept": Transition(sources=[ChangeRequestStatus.OPEN], target=ChangeRequestStatus.ACCEPTED,
                             permission="plm.change_changerequest", message="{object} accepted."),
        "reject": Transition(sources=[ChangeRequestStatus.OPEN], target=ChangeRequestStatus.REJECTED,
                             permission="plm.change_changerequest", style="danger",
                             confirm="Reject this change request?", message="{object} rejected."),
        "close": Transition(sources=[ChangeRequestStatus.ACCEPTED], target=ChangeRequestStatus.CLOSED,
                            permission="plm.change_changerequest", style="secondary",
                            confirm="Close this change request?", message="{object} closed."),
    })

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="plm_changerequest_number_unique"),
            models.UniqueConstraint(fields=["source_event"], condition=models.Q(source_event__isnull=False),
                                    name="plm_changerequest_one_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plm:changerequest_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Only an open request is edited."""
        return self.status != ChangeRequestStatus.OPEN


class ChangeOrder(CompanyOwnedModel):
    """An engineering change order (ECO): approves and releases a set of new draft revisions together."""

    number = models.CharField(max_length=30, editable=False)
    title = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ChangeOrderStatus.choices, default=ChangeOrderStatus.DRAFT)
    revisions = models.ManyToManyField("plm.Revision", blank=True, related_name="change_orders",
                                       help_text="The new revisions this order releases.")
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="change_orders")
    round = models.PositiveIntegerField(default=0, help_text="Submissions so far; approvals count per round.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    workflow = Workflow("status", {
        "submit": Transition(sources=[ChangeOrderStatus.DRAFT], target=ChangeOrderStatus.SUBMITTED,
                             permission="plm.change_changeorder", message="{object} submitted for approval."),
        "approve": Transition(sources=[ChangeOrderStatus.SUBMITTED], target=ChangeOrderStatus.APPROVED,
                              permission="plm.approve_changeorder", style="success",
                              message="Your approval of {object} is recorded."),
        # a rejection sends the order back to draft for rework (recorded as a rejected approval)
        "reject": Transition(sources=[ChangeOrderStatus.SUBMITTED], target=ChangeOrderStatus.DRAFT,
                             permission="plm.approve_changeorder", style="danger",
                             message="{object} rejected and sent back to draft."),
        "release": Transition(sources=[ChangeOrderStatus.APPROVED], target=ChangeOrderStatus.RELEASED,
                              permission="plm.change_changeorder", style="success",
                              confirm="Release these revisions to the factory? They replace the revisions in force "
                                      "and can no longer be changed.",
                              message="{object} released: its revisions are now in force."),
        "cancel": Transition(sources=[ChangeOrderStatus.DRAFT, ChangeOrderStatus.SUBMITTED,
                                      ChangeOrderStatus.APPROVED],
                             target=ChangeOrderStatus.CANCELLED, permission="plm.change_changeorder",
                             style="secondary", confirm="Cancel this change order? Its revisions stay drafts.",
                             message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        verbose_name = "change order"
        permissions = [("approve_changeorder", "Can approve or reject change orders")]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="plm_changeorder_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plm:changeorder_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != ChangeOrderStatus.DRAFT


class ChangeApproval(models.Model):
    """One approver's decision on one submission round of a change order."""

    change_order = models.ForeignKey(ChangeOrder, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    company_path = "change_order__company"

    class Meta:
        ordering = ["change_order", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change_order", "round", "approver"],
                                    condition=models.Q(decision="approved"), name="plm_approval_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.approver} ({self.role})"


class ChangeApprovalRule(CompanyOwnedModel):
    """How many approvers of a role an ECO needs in this company (default: 1 Engineering, 1 Quality)."""

    role = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="+")
    required_count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["role__name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "role"], name="plm_approvalrule_unique"),
            models.CheckConstraint(condition=models.Q(required_count__gte=1), name="plm_approvalrule_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.required_count} x {self.role}"

    def get_absolute_url(self) -> str:
        return reverse("plm:changeapprovalrule_detail", args=[self.pk])
