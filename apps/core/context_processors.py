"""Template context for the base layout: sidebar, companies for the switcher, active company."""

from apps.core.models import Company
from apps.core.navigation import menu_for
from apps.core.scoping import user_company_ids


def suite(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    companies = Company.objects.filter(pk__in=user_company_ids(user))
    active = next((c for c in companies if c.pk == getattr(request, "company_id", None)), None)
    return {"menu": menu_for(user), "companies": companies, "active_company": active}
