"""Forms of the PLM screens that the generic model forms do not cover, and PLM's pickers."""

from django import forms

from apps.core.ui.widgets import Defaults, PickerWidget
from apps.plm.choices import ItemType, LifecycleState, RevisionStatus
from apps.plm.models import Document


def active_item_picker(*, made: bool = False, **options) -> PickerWidget:
    """Items that may still be used (BOMs, purchase lines, work orders): never an obsolete one; `made`: only
    items the company makes (work orders, routings)."""
    return PickerWidget(exclude={"lifecycle_state": LifecycleState.OBSOLETE},
                        filter={"item_type": ItemType.MAKE} if made else None, **options)


def item_defaults(item_field: str, **fill) -> Defaults:
    """What picking an item fills in: `fill` maps `uom` (its unit) or `revision` (its released revision) to the
    form's field (`item_defaults("component", uom="uom")`)."""
    return Defaults("plm:item_defaults", {"item": f"${item_field}"}, fill=dict(fill))


def released_revision_picker(item_field: str = "item", **options) -> PickerWidget:
    """The released revision of the item chosen in `item_field` (what work orders are made to)."""
    return PickerWidget(depends={"item": f"${item_field}"}, filter={"status": RevisionStatus.RELEASED}, **options)


class CommentForm(forms.Form):
    """A workflow step's optional comment (approve)."""

    comment = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Comment",
                                                                           "class": "form-control"}))


class RequiredCommentForm(forms.Form):
    """A workflow step that must say why (reject)."""

    comment = forms.CharField(widget=forms.TextInput(attrs={"placeholder": "Why?", "class": "form-control"}))


class DocumentForm(forms.ModelForm):
    """Upload a document to an item or to a draft revision."""

    class Meta:
        model = Document
        fields = ["item", "revision", "title", "version", "file"]
        widgets = {"revision": PickerWidget(depends={"item": "$item"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].required = False
        self.fields["file"].required = True


class DocumentReplaceForm(forms.Form):
    """A new version of a document: the file, and the version (and title) it is known by."""

    file = forms.FileField()
    version = forms.CharField(max_length=20)
    title = forms.CharField(max_length=200)


class ItemImportForm(forms.Form):
    """Step 1 of the item import: the file."""

    file = forms.FileField(help_text="CSV or XLSX; columns number, name, description, item_type, uom, tracking, "
                                     "category, standard_cost.")


class CompareForm(forms.Form):
    """Two revisions to compare."""

    a = forms.ModelChoiceField(queryset=None, label="From revision", widget=PickerWidget())
    b = forms.ModelChoiceField(queryset=None, label="To revision", widget=PickerWidget())

    def __init__(self, *args, revisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = revisions
        self.fields["b"].queryset = revisions
