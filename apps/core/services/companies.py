"""Company and membership services: who belongs where, with which role.

A user's rights in a company come only from their membership's role there (`apps.core.permissions`);
memberships are managed by that company's Admin role (or a superuser, the platform operator), so
granting a role in one company never changes what the user may do in another.
"""

from django.contrib.auth.models import Group, User
from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.models import Company, Currency, Membership
from apps.core.permissions import forget_permissions, has_company_perm
from apps.core.services.records import record_create

ADMIN_ROLE = "Admin"


@transaction.atomic
def company_create(*, code: str, name: str, currency: Currency, actor) -> Company:
    """Create a company; its creator becomes its Admin."""
    company = record_create(model=Company, actor=actor, code=code.upper(), name=name, currency=currency)
    if getattr(actor, "pk", None):
        _write_membership(company=company, user=actor, role=Group.objects.get(name=ADMIN_ROLE), actor=actor)
    return company


def _require_manager(actor, company: Company, action: str) -> None:
    """Only the company's Admin role (or a superuser; None is the system itself) manages its memberships."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if not has_company_perm(actor, f"core.{action}_membership", company):
        raise PermissionDeniedError(None, f"Only an Admin of {company.code} manages its users and roles.")


def _keep_an_admin(membership: Membership, new_role: Group | None) -> None:
    """A company never loses its last Admin (nobody could manage it afterwards)."""
    if membership.role.name != ADMIN_ROLE or (new_role is not None and new_role.name == ADMIN_ROLE):
        return
    others = Membership.objects.filter(company_id=membership.company_id, role__name=ADMIN_ROLE).exclude(
        pk=membership.pk)
    if not others.exists():
        raise ConflictError("role", f"{membership.user} is the last Admin of {membership.company.code}; make "
                                    "someone else Admin first.", code="last_admin")


@transaction.atomic
def membership_set(*, company: Company, user: User, role: Group, actor) -> Membership:
    """Give a user a role in a company (creating or changing the membership); other companies are untouched."""
    exists = Membership.objects.filter(company=company, user=user).exists()
    _require_manager(actor, company, "change" if exists else "add")
    return _write_membership(company=company, user=user, role=role, actor=actor)


def _write_membership(*, company: Company, user: User, role: Group, actor) -> Membership:
    existing = Membership.objects.select_for_update().filter(company=company, user=user).first()
    before = snapshot(existing) if existing else None
    if existing is None:
        membership = Membership.objects.create(company=company, user=user, role=role)
    else:
        _keep_an_admin(existing, role)
        membership = existing
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    forget_permissions(user)
    record_change(membership, actor=actor, action="update" if before else "create", before=before)
    return membership


@transaction.atomic
def membership_update(*, instance: Membership, actor, role: Group, **_ignored) -> Membership:
    """Change the role of a member (the company and the user of a membership never change)."""
    return membership_set(company=instance.company, user=instance.user, role=role, actor=actor)


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    """Take a user out of a company."""
    membership = Membership.objects.select_for_update().select_related("company", "role", "user").get(
        pk=membership.pk)
    _require_manager(actor, membership.company, "delete")
    _keep_an_admin(membership, None)
    record_change(membership, actor=actor, action="delete", before=snapshot(membership), after=None)
    membership.delete()
    forget_permissions(membership.user)


@transaction.atomic
def membership_add(*, company: Company, username: str, role: Group, actor, password: str = "", email: str = "",
                   first_name: str = "", last_name: str = "") -> Membership:
    """Make a user a member of the company: an existing account by its user name, or a new account when a
    password is given for a name nobody has."""
    user = User.objects.filter(username=username).first()
    if user is None:
        if not password:
            raise DomainError("username", f"There is no user '{username}'; give a password to create the account.")
        return user_invite(company=company, username=username, password=password, role=role, actor=actor,
                           email=email, first_name=first_name, last_name=last_name)
    if Membership.objects.filter(company=company, user=user).exists():
        raise ConflictError("username", f"{username} is already a member of {company.code}; change their role "
                                        "instead.", code="already_member")
    return membership_set(company=company, user=user, role=role, actor=actor)


@transaction.atomic
def user_invite(*, company: Company, username: str, password: str, role: Group, actor, email: str = "",
                first_name: str = "", last_name: str = "") -> Membership:
    """Create a user account and make them a member of the company with a role."""
    _require_manager(actor, company, "add")
    if not username.strip():
        raise DomainError("username", "Give a user name.")
    if User.objects.filter(username=username).exists():
        raise DomainError("username", f"The user name '{username}' is taken.")
    if len(password) < 8:
        raise DomainError("password", "A password needs at least 8 characters.")
    user = User.objects.create_user(username=username, email=email, password=password,
                                    first_name=first_name, last_name=last_name)
    record_change(user, actor=actor, action="create", after={"username": username, "email": email})
    return membership_set(company=company, user=user, role=role, actor=actor)
