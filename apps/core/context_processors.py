"""Template context for the base layout: sidebar, companies for the switcher, active company."""

from apps.core.models import Company
from apps.core.navigation import menu_for
from apps.core.permissions import CompanyPermWrapper
from apps.core.scoping import user_company_ids


def suite(request) -> dict:
    """Sidebar, company switcher and `{{ perms }}`, all for the role in the active company."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    companies = Company.objects.filter(pk__in=user_company_ids(user))
    company_id = getattr(request, "company_id", None)
    active = next((c for c in companies if c.pk == company_id), None)
    return {"menu": menu_for(user, company_id), "companies": companies, "active_company": active,
            "perms": CompanyPermWrapper(user, company_id)}
