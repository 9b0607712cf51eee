"""PLM pages beyond the generic resource screens: BOM comparison, item import, document download."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from apps.core.errors import ConflictError, DomainError
from apps.core.files import download_response
from apps.core.models import Company
from apps.core.permissions import companies_with_perm
from apps.core.scoping import scope_queryset, scope_to_active_company
from apps.core.ui.autocomplete import scoped_record
from apps.core.ui.views import role_required, scope_form
from apps.plm.choices import RevisionStatus
from apps.plm.forms import CompareForm, DocumentReplaceForm, ItemImportForm
from apps.plm.models import Document, Item, Revision
from apps.plm.selectors import bom_compare
from apps.plm.services.documents import document_delete, document_frozen_reason, document_update
from apps.plm.services.imports import items_import, read_dataset

IMPORT_SESSION_KEY = "plm_item_import"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@role_required("plm.view_revision")
def bom_compare_view(request):
    """Pick two revisions and see the lines added, removed and changed between them."""
    revisions = scope_to_active_company(Revision.objects.select_related("item"), request)
    form = CompareForm(request.GET or None, revisions=revisions)
    scope_form(form, request)
    result = None
    if form.is_valid():
        result = bom_compare(revision_a=form.cleaned_data["a"], revision_b=form.cleaned_data["b"])
    return render(request, "plm/compare.html", {"title": "Compare BOMs", "form": form, "result": result})


@role_required("plm.view_item")
def item_defaults(request):
    """What picking an item fills in on a form (JSON): its unit and its released revision."""
    item = scoped_record(request, Item.objects.select_related("uom"), "item")
    if item is None:
        return JsonResponse({"error": "item: no such item."}, status=404)
    revision = item.revisions.filter(status=RevisionStatus.RELEASED).first()
    return JsonResponse({"uom": item.uom_id, "uom_code": item.uom.code,
                         "revision": {"id": revision.pk, "text": str(revision)} if revision else None})


@role_required("plm.add_item")
def item_import_view(request):
    """Upload → preview (dry run, per-row errors) → confirm; nothing is written before the confirmation."""
    company = get_object_or_404(Company, pk=request.company_id)
    context = {"title": "Import items", "form": ItemImportForm()}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored or stored.get("company") != company.pk:
            messages.error(request, "The preview expired; upload the file again.")
            return HttpResponseRedirect(reverse("plm:item_import"))
        try:
            dataset = read_dataset(content=base64.b64decode(stored["content"]), filename=stored["name"])
            result = items_import(company=company, dataset=dataset, actor=request.user, dry_run=False)
        except DomainError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("plm:item_import"))
        if result.has_errors:
            context.update(result=result, filename=stored["name"])
            messages.error(request, "Nothing was imported: some rows are invalid.")
            return render(request, "plm/item_import.html", context, status=400)
        del request.session[IMPORT_SESSION_KEY]
        totals = result.totals()
        messages.success(request, f"Imported: {totals['create']} created, {totals['update']} updated, "
                                  f"{totals['unchanged']} unchanged.")
        return HttpResponseRedirect(reverse("plm:item_list"))
    if request.method == "POST":
        form = ItemImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                form.add_error("file", "Files are limited to 5 MB.")
                return render(request, "plm/item_import.html", context, status=400)
            content = upload.read()
            try:
                result = items_import(company=company, dataset=read_dataset(content=content, filename=upload.name),
                                      actor=request.user, dry_run=True)
            except DomainError as exc:
                form.add_error("file", exc.message)
                return render(request, "plm/item_import.html", context, status=400)
            request.session[IMPORT_SESSION_KEY] = {"company": company.pk, "name": upload.name,
                                                   "content": base64.b64encode(content).decode()}
            context.update(result=result, filename=upload.name)
        else:
            return render(request, "plm/item_import.html", context, status=400)
    return render(request, "plm/item_import.html", context)


@login_required
def document_download(request, pk: int):
    """Download a document's file (a company whose role may not read documents answers 404, like another's)."""
    readable = companies_with_perm(request.user, "plm.view_document")
    document = get_object_or_404(scope_queryset(Document.objects.all(), request.user, readable), pk=pk)
    return download_response(document.file, document.download_name)


def _scoped_document(request, pk: int) -> Document:
    documents = Document.objects.select_related("item", "revision")
    return get_object_or_404(scope_to_active_company(documents, request), pk=pk)


def next_version(version: str) -> str:
    """The version a replacement is proposed under: "3" → "4"; anything else is left for the user to change."""
    return str(int(version) + 1) if version.isdigit() else version


def _refuse(request, document: Document, reason: str):
    messages.error(request, reason)
    return HttpResponseRedirect(document.get_absolute_url())


@role_required("plm.change_document")
def document_replace_view(request, pk: int):
    """Upload a new version of a document's file (item documents and draft revisions only)."""
    document = _scoped_document(request, pk)
    reason = document_frozen_reason(document)
    if reason:
        return _refuse(request, document, reason)
    form = DocumentReplaceForm(request.POST or None, request.FILES or None,
                               initial={"version": next_version(document.version), "title": document.title})
    if request.method == "POST" and form.is_valid():
        try:
            document_update(instance=document, actor=request.user, file=form.cleaned_data["file"],
                            version=form.cleaned_data["version"], title=form.cleaned_data["title"])
        except ConflictError as error:
            return _refuse(request, document, error.message)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"{document.title}: version {form.cleaned_data['version']} uploaded.")
            return HttpResponseRedirect(document.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "plm/document_replace.html",
                  {"title": f"Replace {document}", "document": document, "form": form}, status=status)


@role_required("plm.delete_document")
def document_delete_view(request, pk: int):
    """Confirm, then remove a document (audited); a released revision's documents stay."""
    document = _scoped_document(request, pk)
    reason = document_frozen_reason(document)
    if reason:
        return _refuse(request, document, reason)
    if request.method == "POST":
        owner = document.revision or document.item
        try:
            document_delete(instance=document, actor=request.user)
        except ConflictError as error:
            return _refuse(request, document, error.message)
        messages.success(request, f"Document {document} deleted.")
        return HttpResponseRedirect(owner.get_absolute_url())
    return render(request, "plm/document_confirm_delete.html", {"title": f"Delete {document}", "document": document})
