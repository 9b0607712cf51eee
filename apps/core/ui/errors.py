"""What the 403 page says: the permission a page or step needs, the user's role in the active company, and
which roles grant it (so a manager knows whom to ask instead of reading "403 Forbidden")."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from apps.core.roles import ROLE_PERMISSIONS, permissions_for


class RoleDenied(PermissionDenied):
    """Refused because the role in the active company lacks `permission` (the 403 page names it)."""

    def __init__(self, permission: str, message: str = ""):
        super().__init__(message or f"Your role does not grant {permission}.")
        self.permission = permission


def permission_name(permission: str) -> str:
    """"Can change purchase order" for `scm.change_purchaseorder` (the code itself if unknown)."""
    app_label, _, codename = permission.partition(".")
    name = Permission.objects.filter(content_type__app_label=app_label, codename=codename).values_list(
        "name", flat=True).first()
    return name or permission


def roles_granting(permission: str) -> list[str]:
    """The roles whose declared patterns include `permission` (apps/core/roles.py)."""
    return [role for role in ROLE_PERMISSIONS if permissions_for(role, [permission])]


def denial_context(request, exception) -> dict:
    """Template context of the 403 page."""
    from apps.core.models import Company, Membership

    permission = getattr(exception, "permission", None)
    company = Company.objects.filter(pk=getattr(request, "company_id", None)).first()
    role = None
    if company is not None and getattr(request.user, "is_authenticated", False):
        role = Membership.objects.filter(company=company, user=request.user).values_list(
            "role__name", flat=True).first()
    message = str(exception or "") if permission is None else ""
    return {
        "permission": permission,
        "permission_name": permission_name(permission) if permission else "",
        "granting_roles": roles_granting(permission) if permission else [],
        "denied_company": company,
        "role": role,
        "reason": message if message and message != "Permission denied" else "",
    }
