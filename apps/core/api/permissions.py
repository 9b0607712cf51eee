"""API permissions per company: the action's permission must come from the role in the object's company.

* Reads need `view_<model>`, creates `add_`, updates `change_`, deletes `delete_`; a workflow step needs its
  own declared permission (approve by Quality) or else `change_<model>`.
* Before the object is known (`has_permission`) the user must hold that permission in at least one company;
  lists are then limited to those companies (`ScopedQuerysetMixin`), an object is checked against its own
  company (`has_object_permission`), and a create against the company it is written to
  (`SuiteModelViewSet.perform_create`).
* Reference data (currencies, units) is read by every member and written by superusers only.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core.permissions import companies_with_perm, has_company_perm, model_perm, platform_model
from apps.core.workflow import step_permission

METHOD_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}
STANDARD_ACTIONS = (None, "list", "retrieve", "create", "update", "partial_update", "destroy", "metadata")


def view_model(view):
    """The model a view serves, or None for a view without one (it then checks for itself)."""
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(view, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    return getattr(meta, "model", None)


def required_permission(request, view, model) -> str:
    """The permission the request needs on `model` (see the module docstring)."""
    if request.method in SAFE_METHODS:
        return model_perm(model, "view")
    action = getattr(view, "action", None)
    if action not in STANDARD_ACTIONS:
        return step_permission(model, action) or getattr(view, "action_permissions", {}).get(action) or model_perm(
            model, "change")
    return model_perm(model, METHOD_ACTIONS.get(request.method, "change"))


class SuiteModelPermissions(BasePermission):
    """The role in the object's company decides (see the module docstring)."""

    message = "Your role in this company does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        model = view_model(view)
        if model is None:
            return True  # a non-model view (auth, reports) checks per company itself
        perm = required_permission(request, view, model)
        if platform_model(perm):
            return has_company_perm(user, perm)
        return bool(companies_with_perm(user, perm))

    def has_object_permission(self, request, view, obj):
        return has_company_perm(request.user, required_permission(request, view, type(obj)), obj)
