"""Searchable pickers: Tom Select on a `<select>`, fed by the scoped autocomplete endpoint.

Every ModelChoiceField/ModelMultipleChoiceField of a form that goes through `scope_form` (the generic
create/edit forms and their inline rows, workflow-step forms, list filters) becomes a picker without a
line of code: company-owned records are searched on the server (`core:autocomplete`, paginated, scoped to
the active company), reference data (currencies, units, roles) is searched in the browser among the options.

A form declares what is special about a field in one line, as a widget (a Resource's `widgets`, an
Inline's `widgets`, or a form's `Meta.widgets`):

    widgets = {
        "item": PickerWidget(exclude={"lifecycle_state": "obsolete"},
                             defaults=Defaults("plm:item_defaults", {"item": "$item"}, fill={"revision": "revision"})),
        "revision": PickerWidget(depends={"item": "$item"}, filter={"status": "released"}),
        "revisions": PickerMultipleWidget(filter={"status": "draft"}),
        "uom": PickerWidget(default_hint="the component's unit"),
    }

* `filter`/`exclude`: lookups the choices must (not) match; applied to the field's queryset, so the form
  refuses anything else on the server, and passed (signed) to the endpoint, so the picker offers only them.
* `depends`: `{query parameter: "$field"}`: the choices are those whose foreign key `parameter` is the
  value of another field of the same row (else of the form); enforced on validation too.
* `defaults`: a small JSON endpoint asked when the field (or another of its `params`) changes; its answer
  fills empty fields (`fill`) and shows hints next to fields (`hints`): static/js/pickers.js.
* `default_hint`: the field may be left empty: the service fills it in (the placeholder says from what);
  `DefaultedNumberInput(default_hint=...)` does the same for a number (a unit price from the price list).
"""

import json
from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

LIMIT_SALT = "millwright.picker.limit"


@dataclass(frozen=True)
class Defaults:
    """Where a field's context defaults come from: `url_name` asked with `params` (`{name: "$field"}`)."""

    url_name: str
    params: dict[str, str]
    fill: dict[str, str] = field(default_factory=dict)  # answer key → field filled when empty (or filled by us)
    hints: dict[str, str] = field(default_factory=dict)  # answer key → field next to which its text is shown

    def as_data(self) -> dict:
        return {"url": reverse(self.url_name), "params": self.params, "fill": self.fill, "hints": self.hints}


def sign_limit(lookups: dict) -> str:
    """The picker's fixed restriction, signed: the endpoint applies only lookups the server wrote."""
    return signing.dumps(lookups, salt=LIMIT_SALT, compress=True)


def unsign_limit(token: str) -> dict:
    """The lookups of `sign_limit` (signing.BadSignature when tampered with)."""
    value = signing.loads(token, salt=LIMIT_SALT)
    if not isinstance(value, dict):
        raise signing.BadSignature("Not a picker limit.")
    return value


class PickerWidget(forms.Select):
    """A searchable single-record picker; see the module docstring for the options."""

    def __init__(self, attrs=None, choices=(), *, depends: dict | None = None, filter: dict | None = None,
                 exclude: dict | None = None, defaults: Defaults | None = None, default_hint: str | None = None,
                 remote: bool | None = None):
        super().__init__(attrs, choices)
        self.depends = dict(depends or {})
        self.filter = dict(filter or {})
        self.exclude = dict(exclude or {})
        self.defaults = defaults
        self.default_hint = default_hint
        self.remote = remote  # None: decided by the model (company-owned records and users are searched remotely)
        self.limit: dict = {}  # the model field's `limit_choices_to`, set by `install_picker`

    # ---- the choices ---------------------------------------------------------------------------
    def restrict(self, queryset):
        """The declared restriction of the choices (the same on validation and in the endpoint)."""
        return queryset.filter(**self.filter).exclude(**self.exclude) if (self.filter or self.exclude) else queryset

    def _model(self):
        queryset = getattr(self.choices, "queryset", None)
        return None if queryset is None else queryset.model

    def is_remote(self) -> bool:
        from apps.core.ui.autocomplete import searched_remotely

        model = self._model()
        if model is None:
            return False
        return searched_remotely(model) if self.remote is None else self.remote

    def optgroups(self, name, value, attrs=None):
        """A remote picker renders only the chosen records (the endpoint offers the rest)."""
        if not self.is_remote():
            return super().optgroups(name, value, attrs)
        every = self.choices
        wanted = [v for v in value if str(v).isdigit()]  # a tampered value matches nothing
        rows = list(every.queryset.filter(pk__in=wanted)) if wanted else []
        chosen = [every.choice(row) for row in rows]
        if every.field.empty_label is not None and not self.allow_multiple_selected:
            chosen.insert(0, ("", every.field.empty_label))
        self.choices = chosen
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every

    # ---- what the browser needs ---------------------------------------------------------------
    def url(self) -> str:
        """The endpoint of the model, with the signed fixed restriction (if any)."""
        meta = self._model()._meta
        url = reverse("core:autocomplete", args=[f"{meta.app_label}.{meta.model_name}"])
        lookups = {key: value for key, value in {"filter": {**self.limit, **self.filter},
                                                 "exclude": self.exclude}.items() if value}
        return f"{url}?{urlencode({'limit': sign_limit(lookups)})}" if lookups else url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        data = context["widget"]["attrs"]
        remote = self.is_remote()
        data["data-picker"] = "remote" if remote else "local"
        if remote:
            data["data-picker-url"] = self.url()
        if self.depends:
            data["data-picker-depends"] = json.dumps(self.depends)
        if self.defaults is not None:
            data["data-picker-defaults"] = json.dumps(self.defaults.as_data())
        if self.default_hint:
            data["placeholder"] = f"Default: {self.default_hint}"
        elif remote:
            data.setdefault("placeholder", "Type to search…")
        classes = data.get("class", "")
        if "form-select" not in classes:
            data["class"] = f"{classes} form-select".strip()
        return context


class DefaultedNumberInput(forms.NumberInput):
    """A number the service works out when it is left empty (a unit price from the price list): the field
    starts empty and is optional; its placeholder says where the value will come from."""

    def __init__(self, attrs=None, *, default_hint: str):
        super().__init__({"step": "any", **(attrs or {})})
        self.default_hint = default_hint

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", self.default_hint)
        return context


class PickerMultipleWidget(PickerWidget, forms.SelectMultiple):
    """A searchable multi-record picker (chips with a remove button; no Ctrl+click)."""

    allow_multiple_selected = True
