"""Forms of the ERP screens that the generic model forms do not cover."""

from django import forms

from apps.erp.models import Account

DATE = {"class": "form-control form-control-sm", "type": "date"}
TEXT = {"class": "form-control form-control-sm"}


class ReverseForm(forms.Form):
    """Reverse a posted entry: the mirror's date (default the original's) and memo."""

    date = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE),
                           help_text="Default: the original entry's date (its period must be open).")
    memo = forms.CharField(required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))


class AtDateForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))


class RangeForm(forms.Form):
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))


class LedgerForm(RangeForm):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), widget=forms.Select(
        attrs={"class": "form-select form-select-sm"}))
