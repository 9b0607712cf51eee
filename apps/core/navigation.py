"""The sidebar and the breadcrumbs: each app registers its module's screens in its AppConfig.ready()."""

from dataclasses import dataclass, field

from django.core import checks
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify

MODULE_ORDER = ["CRM", "PLM", "SCM", "MES", "ERP", "Flows", "Admin"]


@dataclass
class MenuEntry:
    label: str
    url_name: str
    permission: str | None = None
    url: str = ""


@dataclass
class Module:
    name: str
    entries: list[MenuEntry] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The id of the module's sidebar section and home-page section (`#module-plm`)."""
        return slugify(self.name)


_modules: dict[str, Module] = {name: Module(name) for name in MODULE_ORDER}


def register(module: str, label: str, url_name: str, permission: str | None = None) -> None:
    """Add a screen to a module's sidebar section (idempotent)."""
    entries = _modules.setdefault(module, Module(module)).entries
    if not any(e.url_name == url_name for e in entries):
        entries.append(MenuEntry(label, url_name, permission))


def menu_for(user, company_id: int | None) -> list[Module]:
    """The sidebar sections with the entries this user's role in the company may open (empty sections hidden)."""
    from apps.core.permissions import has_company_perm

    result = []
    for module in _modules.values():
        entries = [MenuEntry(e.label, e.url_name, e.permission, reverse(e.url_name)) for e in module.entries
                   if not e.permission or has_company_perm(user, e.permission, company_id)]
        if entries:
            result.append(Module(module.name, entries))
    return result


def module_of(url_name: str | None) -> str | None:
    """The sidebar module a URL name belongs to: the module that lists it, else the one whose screens share its
    namespace (`plm:operation_list` → PLM), else None."""
    if not url_name:
        return None
    for module in _modules.values():
        if any(e.url_name == url_name for e in module.entries):
            return module.name
    namespace = url_name.partition(":")[0]
    for module in _modules.values():
        if any(e.url_name.partition(":")[0] == namespace for e in module.entries) and namespace != "core":
            return module.name
    return None


def breadcrumbs_for(url_name: str | None, title: str | None = None) -> list[tuple[str, str | None]]:
    """Home > module > page: the start of every page's trail (a list page links itself)."""
    trail: list[tuple[str, str | None]] = [("Home", reverse("home"))]
    module = module_of(url_name)
    if module:
        trail.append((module, f"{reverse('home')}#module-{slugify(module)}"))
    if title:
        try:
            trail.append((title, reverse(url_name) if url_name else None))
        except NoReverseMatch:
            trail.append((title, None))
    return trail


@checks.register(checks.Tags.urls)
def check_menu_urls(app_configs=None, **kwargs) -> list[checks.Error]:
    """`manage.py check` (and CI) fails when a module registers a sidebar screen whose URL is not mounted."""
    errors = []
    for module in _modules.values():
        for entry in module.entries:
            try:
                reverse(entry.url_name)
            except NoReverseMatch:
                errors.append(checks.Error(
                    f"Sidebar entry '{module.name} / {entry.label}' names the URL '{entry.url_name}', which is not "
                    "mounted.", hint="Include the app's urls.py in suite/urls.py or fix the name.", id="core.E001"))
    return errors


register("CRM", "Customers", "core:customer_list", "core.view_party")
register("SCM", "Suppliers", "core:supplier_list", "core.view_party")
register("ERP", "Currencies", "core:currency_list", "core.view_currency")
register("ERP", "Exchange rates", "core:exchangerate_list", "core.view_exchangerate")
register("Flows", "Flow monitor", "core:event_list", "core.view_event")
register("Admin", "Companies", "core:company_list", "core.view_company")
register("Admin", "Parties", "core:party_list", "core.view_party")
register("Admin", "Units of measure", "core:uom_list", "core.view_unitofmeasure")
register("Admin", "Users and roles", "core:membership_list", "core.view_membership")
