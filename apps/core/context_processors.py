"""Template context for the base layout: sidebar, companies for the switcher, active company, where we are."""

from apps.core.models import Company
from apps.core.navigation import breadcrumbs_for, menu_for, module_of
from apps.core.permissions import CompanyPermWrapper
from apps.core.scoping import user_company_ids
from apps.core.search import MAX_QUERY


def suite(request) -> dict:
    """Sidebar, company switcher and `{{ perms }}`, all for the role in the active company; the module the page
    belongs to (its sidebar section opens) and the start of its breadcrumbs (generic pages give the full trail)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    companies = Company.objects.filter(pk__in=user_company_ids(user))
    company_id = getattr(request, "company_id", None)
    active = next((c for c in companies if c.pk == company_id), None)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else None
    return {"menu": menu_for(user, company_id), "companies": companies, "active_company": active,
            "perms": CompanyPermWrapper(user, company_id), "nav_module": module_of(view_name),
            "nav_view": view_name, "nav_trail": breadcrumbs_for(view_name) if view_name != "home" else [],
            "search_max_length": MAX_QUERY}
