"""Forms of the PLM screens that the generic model forms do not cover."""

from django import forms

from apps.plm.models import Document


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

    a = forms.ModelChoiceField(queryset=None, label="From revision")
    b = forms.ModelChoiceField(queryset=None, label="To revision")

    def __init__(self, *args, revisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = revisions
        self.fields["b"].queryset = revisions
