"""Company and membership services: who belongs where, with which role."""

from django.contrib.auth.models import Group, User
from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.errors import DomainError
from apps.core.models import Company, Currency, Membership
from apps.core.services.records import record_create


@transaction.atomic
def company_create(*, code: str, name: str, currency: Currency, actor) -> Company:
    """Create a company; its creator becomes its Admin."""
    company = record_create(model=Company, actor=actor, code=code.upper(), name=name, currency=currency)
    if getattr(actor, "pk", None):
        membership_set(company=company, user=actor, role=Group.objects.get(name="Admin"), actor=actor)
    return company


def _sync_groups(user: User) -> None:
    """A user's Django groups are the roles of their memberships (permissions are per role)."""
    user.groups.set(Group.objects.filter(memberships__user=user).distinct())


@transaction.atomic
def membership_set(*, company: Company, user: User, role: Group, actor) -> Membership:
    """Give a user a role in a company (creating or changing the membership)."""
    membership = Membership.objects.filter(company=company, user=user).first()
    before = snapshot(membership) if membership else None
    if membership is None:
        membership = Membership.objects.create(company=company, user=user, role=role)
    else:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    _sync_groups(user)
    record_change(membership, actor=actor, action="update" if before else "create", before=before)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    """Take a user out of a company."""
    user = membership.user
    record_change(membership, actor=actor, action="delete", before=snapshot(membership), after=None)
    membership.delete()
    _sync_groups(user)


@transaction.atomic
def user_invite(*, company: Company, username: str, password: str, role: Group, actor, email: str = "",
                first_name: str = "", last_name: str = "") -> Membership:
    """Create a user account and make them a member of the company with a role."""
    if User.objects.filter(username=username).exists():
        raise DomainError("username", f"The user name '{username}' is taken.")
    if len(password) < 8:
        raise DomainError("password", "A password needs at least 8 characters.")
    user = User.objects.create_user(username=username, email=email, password=password,
                                    first_name=first_name, last_name=last_name)
    record_change(user, actor=actor, action="create", after={"username": username, "email": email})
    return membership_set(company=company, user=user, role=role, actor=actor)
