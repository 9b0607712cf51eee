"""Forms of the generic UI: company scoping of every related-record choice, and searchable pickers."""

from django import forms

from apps.core.limits import harden_form
from apps.core.scoping import scope_to_active_company
from apps.core.ui.widgets import PickerMultipleWidget, PickerWidget


def scope_form(form, request) -> None:
    """Limit every related-record choice of a form to the active company and make it a searchable picker.

    Users are offered as the members of the active company. A picker's declared restriction (`filter`,
    `exclude`, `depends`: apps.core.ui.widgets) is applied to the field's queryset here, so the form itself
    refuses a record the picker would not offer. A field whose widget has a `default_hint` is optional and starts
    empty: the service fills it in. Its fields also get the suite's input limits (`apps.core.limits.harden_form`)."""
    harden_form(form)
    for name, bound in form.fields.items():
        if getattr(bound.widget, "default_hint", None):
            bound.required, bound.initial = False, None  # left empty, the service fills it in
        queryset = getattr(bound, "queryset", None)
        if queryset is None:
            continue
        # platform reference data passes through unchanged; users are the active company's members
        bound.queryset = scope_to_active_company(queryset, request)
        install_picker(form, name, bound)


def install_picker(form, name: str, bound) -> None:
    """Turn a plain record `<select>` into a picker (keeping its attributes) and apply its restriction."""
    widget = bound.widget
    if not isinstance(widget, PickerWidget):
        if type(widget) not in (forms.Select, forms.SelectMultiple):
            return  # radio buttons, check boxes, hidden inputs: chosen on purpose
        picker = PickerMultipleWidget if widget.allow_multiple_selected else PickerWidget
        widget = picker(attrs=widget.attrs)
        bound.widget = widget
    limit = bound.get_limit_choices_to() if hasattr(bound, "get_limit_choices_to") else None
    widget.limit = dict(limit) if isinstance(limit, dict) else {}
    widget.is_required = bound.required
    queryset = widget.restrict(bound.queryset)
    if form.is_bound:
        queryset = _dependent(form, widget, queryset)
    bound.queryset = queryset  # also hands the widget its choices


def _dependent(form, widget: PickerWidget, queryset):
    """Only records of the chosen parent (`depends`): a revision of the chosen item, a lot of the line's item."""
    for parameter, reference in widget.depends.items():
        other = reference.lstrip("$")
        value = form.data.get(form.add_prefix(other)) or form.data.get(other)
        if value and str(value).isdigit():
            queryset = queryset.filter(**{f"{parameter}_id": int(value)})
    return queryset


class ScopedInlineForm(forms.ModelForm):
    """An inline row form scoped in __init__, so the formset's `empty_form` (built anew on every
    access, it renders the "Add row" template) offers the same choices as the rows."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            scope_form(self, request)
