"""The sidebar: each app registers its module's screens in its AppConfig.ready()."""

import logging
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

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


_modules: dict[str, Module] = {name: Module(name) for name in MODULE_ORDER}
_unresolved: set[str] = set()


def register(module: str, label: str, url_name: str, permission: str | None = None) -> None:
    """Add a screen to a module's sidebar section (idempotent)."""
    entries = _modules.setdefault(module, Module(module)).entries
    if not any(e.url_name == url_name for e in entries):
        entries.append(MenuEntry(label, url_name, permission))


def menu_for(user) -> list[Module]:
    """The sidebar sections with the entries this user may open (empty sections hidden)."""
    result = []
    for module in _modules.values():
        entries = []
        for entry in module.entries:
            if entry.permission and not user.has_perm(entry.permission):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                # a module registered a screen whose URLs are not mounted (yet): leave it out, never break every page
                if entry.url_name not in _unresolved:
                    _unresolved.add(entry.url_name)
                    logger.warning("sidebar entry %s: no URL named %s", entry.label, entry.url_name)
                continue
            entries.append(MenuEntry(entry.label, entry.url_name, entry.permission, url))
        if entries:
            result.append(Module(module.name, entries))
    return result


register("CRM", "Customers", "core:customer_list", "core.view_party")
register("SCM", "Suppliers", "core:supplier_list", "core.view_party")
register("ERP", "Currencies", "core:currency_list", "core.view_currency")
register("ERP", "Exchange rates", "core:exchangerate_list", "core.view_exchangerate")
register("Flows", "Flow monitor", "core:event_list", "core.view_event")
register("Admin", "Companies", "core:company_list", "core.view_company")
register("Admin", "Parties", "core:party_list", "core.view_party")
register("Admin", "Units of measure", "core:uom_list", "core.view_unitofmeasure")
register("Admin", "Users and roles", "core:membership_list", "core.view_membership")
