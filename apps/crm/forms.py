"""Forms of the CRM screens that the generic model forms do not cover."""

from django import forms

from apps.core.models import Party
from apps.crm.models import (
    ACTIVITY_TARGETS,
    Activity,
    CustomerProfile,
    Lead,
    PipelineStage,
    SalesTarget,
    ServiceCase,
)
from apps.plm.models import Item

TEXT = {"class": "form-control form-control-sm"}


class ReasonForm(forms.Form):
    """A step that says why (disqualify a lead)."""

    reason = forms.CharField(required=False, max_length=200, widget=forms.TextInput(attrs={**TEXT,
                                                                                        "placeholder": "Why?"}))


class LoseForm(forms.Form):
    lost_reason = forms.CharField(max_length=200, widget=forms.TextInput(attrs={**TEXT, "placeholder": "Why lost?"}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(required=False, widget=forms.TextInput(attrs={**TEXT, "placeholder": "Resolution"}))


class QualifyForm(forms.Form):
    """Optional: the first opportunity's title and amount (the customer is found or created)."""

    title = forms.CharField(required=False, max_length=200, widget=forms.TextInput(attrs={
        **TEXT, "placeholder": "Opportunity title"}))
    amount = forms.DecimalField(required=False, max_digits=18, decimal_places=2, widget=forms.NumberInput(attrs={
        **TEXT, "placeholder": "Amount", "style": "width:8em"}))


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=PipelineStage.objects.all(), widget=forms.Select(attrs={
        "class": "form-select form-select-sm"}))
    lost_reason = forms.CharField(required=False, max_length=200, widget=forms.TextInput(attrs={
        **TEXT, "placeholder": "Reason (lost stage)"}))


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(queryset=Lead.objects.all())


class FeedbackForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), help_text="What the customer reported.")
    items = forms.ModelMultipleChoiceField(queryset=Item.objects.all(), required=False,
                                           help_text="The products concerned (a case's default: its product).")


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX with a header row.")


class CustomerProfileEditForm(forms.ModelForm):
    """The profile's data; the customer it belongs to never changes."""

    class Meta:
        model = CustomerProfile
        fields = ["owner", "segment", "industry", "credit_limit", "notes"]


class CaseEditForm(forms.ModelForm):
    """A case stays with its customer."""

    class Meta:
        model = ServiceCase
        fields = ["contact", "subject", "description", "item", "lot", "priority", "owner"]


class SalesTargetForm(forms.ModelForm):
    """A target for a month: any day of it stands for the month."""

    class Meta:
        model = SalesTarget
        fields = ["owner", "month", "amount"]

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else month


class ActivityForm(forms.ModelForm):
    """An activity about a customer or (from a record's page, `?target_type=crm.lead&target_id=5`) a CRM record."""

    customer = forms.ModelChoiceField(queryset=Party.objects.filter(is_customer=True), required=False)
    target_type = forms.ChoiceField(choices=[("", "")] + [(t, t) for t in ACTIVITY_TARGETS], required=False,
                                    widget=forms.HiddenInput)
    target_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    due_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "owner", "notes"]


class ActivityEditForm(forms.ModelForm):
    due_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "owner", "done", "notes"]
