"""Permissions per company, written once: what a user may do in company X comes only from their role in X.

Every check in the suite goes through `has_company_perm(user, perm, target)`: the API permission class,
workflow steps and `allowed_transitions`, UI buttons and the sidebar, services that check rights (purchase
order approval above the threshold, change-order approval), the admin and exports. `target` is the record
acted on (its company is followed through `company_path`), a company, a company id, or None for the
request's active company (the browser's company switcher; set by `ActiveCompanyMiddleware`).

* A user's rights in a company are the permissions of their role (a Django group) in that company's
  membership; memberships in other companies never add to them.
* Reference data (currencies, units, unit categories) belongs to the platform: any member may read it,
  only superusers change it. Superusers are platform operators, not a company role: in a company they
  may do what their membership's role allows, like everyone else.
* `CompanyRoleBackend` makes Django's own `user.has_perm(perm, obj)` (the admin, `{{ perms }}`) answer
  the same way.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.backends import ModelBackend
from django.db import models

# the request's active company (UI and admin); None outside a browser request (API, Celery, commands)
_active_company: ContextVar[int | None] = ContextVar("millwright_active_company", default=None)

# models whose rows are platform reference data: readable by every member, written only by superusers
PLATFORM_MODELS = frozenset({"core.currency", "core.unitofmeasure", "core.uomcategory", "auth.group"})


@contextmanager
def active_company(company_id: int | None):
    """Make `company_id` the company that permission checks without a target refer to (one request)."""
    token = _active_company.set(company_id)
    try:
        yield
    finally:
        _active_company.reset(token)


def current_company_id() -> int | None:
    return _active_company.get()


def role_permissions(user) -> dict[int, frozenset[str]]:
    """`{company id: {"app_label.codename", ...}}` from the user's memberships (cached on the user object)."""
    cached = getattr(user, "_company_permissions", None)
    if cached is not None:
        return cached
    from apps.core.models import Membership

    grants: dict[int, set[str]] = {}
    rows = Membership.objects.filter(user=user).values_list(
        "company_id", "role__permissions__content_type__app_label", "role__permissions__codename")
    for company_id, app_label, codename in rows:
        perms = grants.setdefault(company_id, set())
        if codename:
            perms.add(f"{app_label}.{codename}")
    cached = {company_id: frozenset(perms) for company_id, perms in grants.items()}
    user._company_permissions = cached
    return cached


def forget_permissions(user) -> None:
    """Drop the cached rights of a user object (after their memberships changed)."""
    for attribute in ("_company_permissions", "_company_ids", "_perm_cache", "_user_perm_cache",
                      "_group_perm_cache"):
        user.__dict__.pop(attribute, None)


def platform_model(perm: str) -> bool:
    """Whether `perm` (`app_label.action_model`) is about platform reference data."""
    app_label, _, codename = perm.partition(".")
    _action, _, model_name = codename.partition("_")
    return f"{app_label}.{model_name}" in PLATFORM_MODELS


def company_id_of(target) -> int | None:
    """The company a permission check is about: a record's (via `company_path`), a company's, an id, or the
    active company for None."""
    if target is None:
        return current_company_id()
    if isinstance(target, int):
        return target
    if isinstance(target, models.Model):
        from apps.core.audit import company_of

        return company_of(target)
    if hasattr(target, "company_id"):
        return target.company_id
    raise TypeError(f"Cannot tell the company of {target!r}")


def _is_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def has_company_perm(user, perm: str, target=None) -> bool:
    """Whether `user` may `perm` in the company of `target` (see the module docstring)."""
    if not _is_member(user):
        return False
    if platform_model(perm):
        if perm.partition(".")[2].startswith("view_"):
            return bool(companies_with_perm(user, perm))  # a member whose role somewhere reads it
        return bool(user.is_superuser)
    company_id = company_id_of(target)
    if company_id is None:
        return False
    return perm in role_permissions(user).get(company_id, ())


def companies_with_perm(user, perm: str) -> list[int]:
    """Ids of the companies in which the user's role grants `perm`."""
    if not _is_member(user):
        return []
    return sorted(company_id for company_id, perms in role_permissions(user).items() if perm in perms)


def model_perm(model: type[models.Model], action: str) -> str:
    """`app_label.<action>_<model>` of a model (`view`, `add`, `change`, `delete`)."""
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


class CompanyRoleBackend(ModelBackend):
    """Authenticates like Django's ModelBackend; permissions come from the role in the object's company.

    `user.has_perm(perm)` without an object asks about the request's active company; group and user
    permissions outside memberships grant nothing (roles are never merged across companies).
    """

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not _is_member(user_obj):
            return set()
        return set(role_permissions(user_obj).get(company_id_of(obj), ()))

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return has_company_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))


class CompanyPermWrapper:
    """`{{ perms.plm.add_item }}` in templates, answered for the active company (replaces Django's PermWrapper,
    which would let a superuser flag stand in for a company role)."""

    def __init__(self, user, company_id: int | None):
        self.user, self.company_id = user, company_id

    def __getitem__(self, app_label: str):
        return _AppPerms(self, app_label)

    def __iter__(self):
        return iter(())

    def __contains__(self, perm: str) -> bool:
        return has_company_perm(self.user, perm, self.company_id)


class _AppPerms:
    def __init__(self, wrapper: CompanyPermWrapper, app_label: str):
        self.wrapper, self.app_label = wrapper, app_label

    def __getitem__(self, codename: str) -> bool:
        return f"{self.app_label}.{codename}" in self.wrapper

    def __bool__(self) -> bool:
        return any(p.startswith(f"{self.app_label}.") for p in
                   role_permissions(self.wrapper.user).get(self.wrapper.company_id, ()))

    def __iter__(self):
        return iter(())


def company_of_data(model: type[models.Model], data: dict) -> int | None:
    """The company a record about to be created from `data` will belong to (following `company_path` through
    the parent record given in `data`), or None for reference data."""
    from apps.core.audit import company_of

    path = getattr(model, "company_path", None)
    if not path or path == "id":
        return None
    head, _, rest = path.partition("__")
    value = data.get(head)
    if value is None:
        return None
    if not rest:
        return value.pk if isinstance(value, models.Model) else value
    return company_of(value) if isinstance(value, models.Model) else None


def default_company(user, perm: str):
    """The company a create without an explicit company goes to: the user's only company, else the only one
    in which their role grants `perm`; a DomainError naming `company` otherwise."""
    from apps.core.errors import DomainError
    from apps.core.models import Company
    from apps.core.scoping import user_company_ids

    ids = user_company_ids(user)
    if len(ids) > 1:
        ids = companies_with_perm(user, perm) or ids
    if len(ids) == 1:
        return Company.objects.get(pk=ids[0])
    raise DomainError("company", "Required: you belong to several companies; say which one."
                      if ids else "You belong to no company.", code="required")
