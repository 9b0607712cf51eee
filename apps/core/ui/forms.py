"""Forms of the generic UI: company scoping of every related-record choice."""

from django import forms

from apps.core.scoping import scope_to_active_company


def scope_form(form, request) -> None:
    """Limit every related-record choice of a form to the active company."""
    for bound in form.fields.values():
        queryset = getattr(bound, "queryset", None)
        if queryset is not None:  # platform reference data passes through unchanged
            bound.queryset = scope_to_active_company(queryset, request)


class ScopedInlineForm(forms.ModelForm):
    """An inline row form scoped in __init__, so the formset's `empty_form` (built anew on every
    access, it renders the "Add row" template) offers the same choices as the rows."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            scope_form(self, request)
