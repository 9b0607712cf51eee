"""Custom stock screens: overview, item stock card, transfer and adjustment forms, cycle-count entry."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from apps.core.errors import DomainError
from apps.core.models import Company
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import can, scope_form
from apps.plm.models import Item
from apps.scm.choices import LocationKind
from apps.scm.forms import internal_location_picker, lot_picker
from apps.scm.models import CycleCount, Location, Lot
from apps.scm.selectors import stock_card, stock_quants, stock_totals
from apps.scm.selectors_locations import location_subtree_ids, stock_totals_by_location_tree
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import cycle_count_record, stock_move_post
from apps.scm.views_scan import resolve_scan


class StockViewMixin(LoginRequiredMixin):
    """Permission check and the active company for the custom stock screens."""

    permission = "scm.view_stockquant"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request, self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset):
        return scope_to_active_company(queryset, self.request)

    @property
    def company(self) -> Company:
        return get_object_or_404(Company, pk=self.request.company_id)


class StockOverviewView(StockViewMixin, TemplateView):
    """On hand, reserved and available by item, by location or by lot."""

    template_name = "scm/stock_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by = self.request.GET.get("by", "item")
        by = by if by in ("item", "location", "lot") else "item"
        children = self.request.GET.get("children") == "1"
        quants = stock_quants(company_ids=[self.request.company_id])
        term = self.request.GET.get("q", "").strip()
        location = None
        if self.request.GET.get("location", "").isdigit():
            location = get_object_or_404(self.scoped(Location.objects.all()), pk=self.request.GET["location"])
            quants = quants.filter(location_id__in=location_subtree_ids(location=location) if children
                                   else [location.pk])
        if term:
            quants = quants.filter(Q(item__number__icontains=term) | Q(location__code__icontains=term))
        if by == "lot":
            quants = quants.filter(lot__isnull=False)
        if by == "location" and children and location is None:
            rows = stock_totals_by_location_tree(company_ids=[self.request.company_id], term=term)
        else:
            rows = list(stock_totals(quants=quants, by=by)[:500])
        context.update(title="Stock", by=by, q=term, children=children, location=location, rows=rows)
        return context


class ScanView(StockViewMixin, TemplateView):
    """Scan a location barcode, a lot/serial or an item number (a focused field; the scanner's Enter submits)
    and land on its stock: the location's stock (with its bins), the lot's stock, or the item's stock card."""

    template_name = "scm/scan.html"

    def get(self, request, *args, **kwargs):
        code = request.GET.get("code", "").strip()
        if not code:
            return self.render_to_response(self.get_context_data(title="Scan", code=""))
        kind, found = resolve_scan(request, code)
        if kind == "location":
            query = urlencode({"by": "item", "location": found.pk, "children": "1"})
            return HttpResponseRedirect(f"{reverse('scm:stock_overview')}?{query}")
        if kind == "lot":
            return HttpResponseRedirect(reverse("scm:lot_detail", args=[found.pk]))
        if kind == "item":
            return HttpResponseRedirect(reverse("scm:stock_card", args=[found.pk]))
        return self.render_to_response(self.get_context_data(title="Scan", code=code, not_found=True), status=404)


class StockCardView(StockViewMixin, TemplateView):
    """An item's done moves with the running balance (window function), optionally at one location."""

    template_name = "scm/stock_card.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = get_object_or_404(self.scoped(Item.objects.all()), pk=self.kwargs["item_id"])
        location = None
        if self.request.GET.get("location"):
            location = get_object_or_404(self.scoped(Location.objects.all()), pk=self.request.GET["location"])
        context.update(title=f"Stock card {item.number}", item=item, location=location,
                       moves=stock_card(item=item, location=location)[:1000],
                       locations=self.scoped(Location.objects.filter(kind=LocationKind.INTERNAL)))
        return context


class TransferForm(forms.Form):
    item = forms.ModelChoiceField(queryset=Item.objects.all())
    lot = forms.ModelChoiceField(queryset=Lot.objects.all(), required=False, widget=lot_picker())
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0.0001"))
    from_location = forms.ModelChoiceField(queryset=Location.objects.all(), widget=internal_location_picker())
    to_location = forms.ModelChoiceField(queryset=Location.objects.all(), widget=internal_location_picker())
    reference = forms.CharField(max_length=100, required=False)


class AdjustmentForm(forms.Form):
    item = forms.ModelChoiceField(queryset=Item.objects.all())
    lot = forms.ModelChoiceField(queryset=Lot.objects.all(), required=False, widget=lot_picker())
    location = forms.ModelChoiceField(queryset=Location.objects.all(), widget=internal_location_picker())
    direction = forms.ChoiceField(choices=[("in", "Found (add stock)"), ("out", "Lost / damaged (remove stock)")])
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal("0.0001"))
    unit_cost = forms.DecimalField(max_digits=18, decimal_places=6, required=False, min_value=Decimal(0),
                                   help_text="For stock found; empty uses the current average cost.")
    reason = forms.CharField(max_length=200)


class StockFormView(StockViewMixin, TemplateView):
    """A form whose valid data is posted as one stock move; service errors land on the named field."""

    template_name = "scm/stock_move_form.html"
    permission = "scm.add_stockmove"
    form_class = TransferForm
    heading = "Transfer"

    def form(self, data=None):
        form = self.form_class(data=data)
        scope_form(form, self.request)
        return form

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form(), title=self.heading))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                move = self.post_move(form.cleaned_data)
            except DomainError as error:
                for field, _code, message in error.errors:
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"{self.heading} posted: move {move.pk}.")
                return HttpResponseRedirect(reverse("scm:stockmove_detail", args=[move.pk]))
        return self.render_to_response(self.get_context_data(form=form, title=self.heading), status=400)

    def post_move(self, data):
        return stock_move_post(company=self.company, actor=self.request.user, **data)


class AdjustmentView(StockFormView):
    form_class = AdjustmentForm
    heading = "Stock adjustment"

    def post_move(self, data):
        loss = virtual_location(company=self.company, kind=LocationKind.INVENTORY_LOSS)
        found = data["direction"] == "in"
        return stock_move_post(company=self.company, item=data["item"], lot=data["lot"], quantity=data["quantity"],
                               from_location=loss if found else data["location"],
                               to_location=data["location"] if found else loss,
                               unit_cost=data["unit_cost"] if found else None, reason=data["reason"],
                               reference="Adjustment", actor=self.request.user)


class CycleCountEntryView(StockViewMixin, TemplateView):
    """The counting screen: one counted-quantity field per line of a draft count."""

    template_name = "scm/stock_cyclecount_count.html"
    permission = "scm.change_cyclecount"

    def get_count(self):
        return get_object_or_404(self.scoped(CycleCount.objects.select_related("location")), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count = self.get_count()
        context.update(title=f"Count {count.number}", count=count,
                       lines=count.lines.select_related("item", "lot").order_by("id"))
        return context

    def post(self, request, pk):
        count = self.get_count()
        rows, errors = [], []
        for line in count.lines.all():
            raw = request.POST.get(f"line-{line.pk}", "").strip()
            if raw == "":
                continue
            try:
                rows.append({"line": line.pk, "counted_quantity": Decimal(raw)})
            except ArithmeticError:
                errors.append(f"{line.item}: enter a number.")
        try:
            if errors:
                raise DomainError("lines", " ".join(errors))
            cycle_count_record(count=count, actor=request.user, lines=rows)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("scm:cyclecount_count", args=[count.pk]))
        messages.success(request, "Counted quantities saved.")
        return HttpResponseRedirect(reverse("scm:cyclecount_detail", args=[count.pk]))
