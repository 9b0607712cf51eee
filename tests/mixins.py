"""Generic API and UI tests of a resource: CRUD, company isolation, permissions, filters, query counts.

A module tests a resource in a few lines (NetBox's `APIViewTestCases`, pytest style), by combining the
mixins that apply to it; a test that does not apply is never generated (never skipped):

    class TestPartyAPI(WritableAPIResourceTests, DeletableAPIResourceTests, CompanyOwnedAPIResourceTests,
                       FilterableAPIResourceTests):
        list_url = "/api/v1/core/parties/"
        factory = PartyFactory
        create_payload = {"name": "Ferro AG", "is_customer": True}
        update_payload = {"name": "Ferro GmbH"}
        allowed_role, denied_role = "Sales", "Engineering"
        filter_cases = [({"is_supplier": "true"}, {"is_supplier": True}, {"is_supplier": False})]
        child_factories = [(AddressFactory, "party")]  # rows of the query-count guard get children

API: `ReadOnlyAPIResourceTests` or `WritableAPIResourceTests` (+ `DeletableAPIResourceTests`), and exactly one
of `CompanyOwnedAPIResourceTests` / `SharedAPIResourceTests`; `FilterableAPIResourceTests` with `filter_cases`.
UI: `UIResourceTests` (+ `CreatableUIResourceTests`, `EditableUIResourceTests`), and exactly one of
`CompanyOwnedUIResourceTests` / `SharedUIResourceTests`.

Rights per company come for free: a company-owned writable resource is tested with a user who holds the
denied role in one company and the allowed role in another (the object's company decides, API and UI); shared
reference data is written by superusers only, and even a company's Admin role gets 403.

A class that misses a required declaration, or whose model's scoping disagrees with its mixins, fails at import
(so a gap cannot go unnoticed).

`create_payload`/`update_payload` (and the UI's form data) may also be methods taking the company,
for payloads that refer to other rows. Company-owned rows are built with `make_row(factory, company)`,
which passes `company=` or, for a child row, the factory path of its `company_path`.
"""

from collections.abc import Callable

import factory
import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.models import AuditRecord, Company

NO_ACCESS_ROLE = "No access (test)"


def is_company_owned(model: type[Model]) -> bool:
    """Rows of the model belong to a company (else they are reference data shared by all)."""
    return bool(getattr(model, "company_path", None))


def company_kwargs(row_factory, company, prefix: str = "", depth: int = 0) -> dict:
    """Factory kwargs that put a row (and the parents it is built from) in `company`.

    `company=` where the factory sets the company itself; `<parent>__company=` (recursively) where the
    company is derived from a parent row (`company = LazyAttribute(lambda o: o.item.company)`) or where
    the model has no company of its own (`company_path = "party__company"`).
    """
    declarations = row_factory._meta.declarations
    model = row_factory._meta.model
    own = declarations.get("company")
    derived = isinstance(own, factory.LazyAttribute | factory.SelfAttribute | factory.LazyFunction)
    kwargs = {}
    if (own is not None and not derived) or (own is None and any(f.name == "company"
                                                                   for f in model._meta.concrete_fields)):
        kwargs[f"{prefix}company"] = company
    if depth < 4:
        for name, declaration in declarations.items():
            if name == "company" or not isinstance(declaration, factory.SubFactory):
                continue
            parent = declaration.get_factory()
            if is_company_owned(parent._meta.model) and parent._meta.model is not Company:
                kwargs.update(company_kwargs(parent, company, f"{prefix}{name}__", depth + 1))
    return kwargs


def make_row(row_factory, company=None, **kwargs) -> Model:
    """Build one row with `row_factory` for `company` (following parents); checks it landed in that company."""
    model = row_factory._meta.model
    path = getattr(model, "company_path", None)
    if company is None or not path:
        return row_factory(**kwargs)
    if path == "id":
        return company
    row = row_factory(**{**company_kwargs(row_factory, company), **kwargs})
    landed = model._default_manager.filter(pk=row.pk).values_list(path, flat=True).first()
    assert landed == company.pk, f"{row_factory.__name__} built a row of company {landed}, not {company.pk}"
    return row


def no_access_role() -> Group:
    """A role without a single permission (every real role may at least read)."""
    group, _ = Group.objects.get_or_create(name=NO_ACCESS_ROLE)
    group.permissions.clear()
    return group


def token_client(user) -> APIClient:
    """An API client sending `Authorization: Token ...` for the user."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def add_membership(user, company, role: str) -> None:
    """Give an existing user a role in another company (as that company's system set-up would)."""
    from apps.core.services.companies import membership_set

    membership_set(company=company, user=user, role=Group.objects.get(name=role), actor=None)


def switch_company(client, company) -> None:
    """The browser's company switcher."""
    response = client.post(reverse("core:switch_company"), {"company": company.pk, "next": "/"})
    assert response.status_code == 302, response.content


def _value(spec, company):
    return spec(company) if callable(spec) else dict(spec)


class _ResourceBase:
    factory = None
    allowed_role: str = "Admin"
    max_list_queries: int = 10
    # (factory, name of its FK to the row): the query-count guards give every row `children_per_row` of each,
    # so an N+1 on nested lines (addresses, BOM lines, PO lines) shows up
    child_factories: list[tuple[type, str]] = []
    children_per_row: int = 2
    # class attributes a concrete test class must set (checked at import)
    required: tuple[str, ...] = ("factory",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("Test"):
            return  # a mixin, not a test class
        missing = [name for name in cls.required if not getattr(cls, name, None)]
        if missing:
            raise TypeError(f"{cls.__name__} must declare {', '.join(missing)}")
        owned = is_company_owned(cls.factory._meta.model)
        scoping = [base for base in (_CompanyOwned, _Shared) if issubclass(cls, base)]
        if len(scoping) != 1 or (scoping[0] is _CompanyOwned) != owned:
            expected = "CompanyOwned" if owned else "Shared"
            raise TypeError(f"{cls.__name__}: {cls.factory._meta.model.__name__} is "
                            f"{'company-owned' if owned else 'shared reference data'}; use exactly one "
                            f"{expected}*ResourceTests mixin")

    @property
    def model(self) -> type[Model]:
        return self.factory._meta.model

    @property
    def shared(self) -> bool:
        return not is_company_owned(self.model)

    def row(self, company, **kwargs) -> Model:
        return make_row(self.factory, None if self.shared else company, **kwargs)

    def add_children(self, row) -> None:
        """Give a row of the query-count guard its nested rows; override for children built another way."""
        for child_factory, fk_name in self.child_factories:
            for _ in range(self.children_per_row):
                child_factory(**{fk_name: row})

    def member(self, company, role: str, make_user):
        """A user with `role` in `company`; writing shared reference data also needs the platform operator."""
        return make_user(company, role, is_superuser=self.shared)

    def row_with_children(self, company) -> Model:
        row = self.row(company)
        self.add_children(row)
        return row

    def audit_actions(self, obj) -> list[str]:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return list(AuditRecord.objects.filter(content_type=content_type, object_id=str(obj.pk))
                    .order_by("created_at", "id").values_list("action", flat=True))


class _CompanyOwned:
    """Marker: the resource's rows belong to a company."""


class _Shared:
    """Marker: the resource is reference data shared by every company."""


# ---- API ------------------------------------------------------------------------------------------------------


class APIResourceTests(_ResourceBase):
    """What every `/api/v1/` resource must do: list, retrieve, refuse roles without `view`, no N+1 on the list.

    Not used alone: combine with ReadOnly/Writable and CompanyOwned/Shared (see the module docstring).
    """

    list_url: str = ""
    required = ("factory", "list_url")

    def detail_url(self, obj) -> str:
        return f"{self.list_url}{obj.pk}/"

    @pytest.fixture
    def allowed_api(self, company, make_user):
        """Token-authenticated like an integrator: every request loads the user, so query counts are honest."""
        return token_client(self.member(company, self.allowed_role, make_user))

    def test_list_shows_the_companys_rows(self, allowed_api, company):
        rows = [self.row(company), self.row(company)]
        response = allowed_api.get(self.list_url, {"page_size": 500})
        assert response.status_code == 200, response.content
        ids = {r["id"] for r in response.json()["results"]}
        assert {r.pk for r in rows} <= ids
        if not self.shared:
            assert response.json()["count"] == len(ids) == self.model._default_manager.filter(
                **{f"{self.model.company_path}": company}).count()

    def test_retrieve_returns_the_row(self, allowed_api, company):
        obj = self.row(company)
        response = allowed_api.get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["id"] == obj.pk
        assert {"id", "created_at", "updated_at"} <= set(body)

    def test_role_without_view_permission_gets_403(self, company, make_user, api_for):
        no_access_role()
        client = api_for(make_user(company, NO_ACCESS_ROLE))
        obj = self.row(company)
        response = client.get(self.list_url)
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert client.get(self.detail_url(obj)).status_code == 403

    def test_list_query_count_does_not_grow_with_rows(self, allowed_api, company):
        self.row_with_children(company)
        with CaptureQueriesContext(connection) as few:
            assert allowed_api.get(self.list_url).status_code == 200
        for _ in range(5):
            self.row_with_children(company)
        with CaptureQueriesContext(connection) as many:
            response = allowed_api.get(self.list_url)
            assert response.status_code == 200
        assert response.json()["count"] >= 6
        assert len(many) == len(few), "N+1: the list makes more queries with more rows:\n" + "\n".join(
            q["sql"][:300] for q in many.captured_queries)
        assert len(many) <= self.max_list_queries, f"{len(many)} queries, more than {self.max_list_queries}"


class ReadOnlyAPIResourceTests(APIResourceTests):
    """A resource the API only reads: every write method answers 405 and changes nothing."""

    def test_write_methods_are_not_allowed(self, allowed_api, company):
        obj = self.row(company)
        count = self.model._default_manager.count()
        assert allowed_api.post(self.list_url, {}, format="json").status_code == 405
        assert allowed_api.patch(self.detail_url(obj), {}, format="json").status_code == 405
        assert allowed_api.delete(self.detail_url(obj)).status_code == 405
        assert self.model._default_manager.count() == count


class WritableAPIResourceTests(APIResourceTests):
    """Create and update, audited; a role without the write permission gets 403 and changes nothing."""

    create_payload: dict | Callable = {}
    update_payload: dict | Callable = {}
    denied_role: str = ""  # a role that may read but not write (shared reference data: every company role)
    required = ("factory", "list_url", "create_payload", "update_payload", "denied_role")

    @property
    def write_denied_role(self) -> str:
        return "Admin" if self.shared else self.denied_role

    def test_create_writes_one_audited_row(self, allowed_api, company):
        payload = _value(self.create_payload, company)
        before = self.model._default_manager.count()
        response = allowed_api.post(self.list_url, payload, format=self.request_format(payload))
        assert response.status_code == 201, response.content
        body = response.json()
        obj = self.model._default_manager.get(pk=body["id"])
        for key, value in payload.items():
            if isinstance(value, str | int | float | bool | None):
                assert body[key] == value, key
        assert self.model._default_manager.count() == before + 1
        if not self.shared:
            assert self.model._default_manager.filter(pk=obj.pk).values_list(
                self.model.company_path, flat=True).get() == company.pk
        assert self.audit_actions(obj) == ["create"]

    def test_update_changes_the_row_and_audits_before_after(self, allowed_api, company):
        obj = self.row(company)
        payload = _value(self.update_payload, company)
        response = allowed_api.patch(self.detail_url(obj), payload, format=self.request_format(payload))
        assert response.status_code == 200, response.content
        for key, value in payload.items():
            if isinstance(value, str | int | float | bool | None):
                assert response.json()[key] == value, key
        assert self.audit_actions(obj)[-1] == "update"
        record = AuditRecord.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk),
                                            action="update").latest("id")
        changed = {field for field, _old, _new in record.changes}
        assert changed, "the audit record shows what changed"

    def test_role_without_write_permission_gets_403(self, company, make_user, api_for):
        client = api_for(make_user(company, self.write_denied_role))
        obj = self.row(company)
        count = self.model._default_manager.count()
        assert client.get(self.list_url).status_code == 200  # reading stays allowed
        create = _value(self.create_payload, company)
        assert client.post(self.list_url, create, format=self.request_format(create)).status_code == 403
        update = _value(self.update_payload, company)
        assert client.patch(self.detail_url(obj), update, format=self.request_format(update)).status_code == 403
        assert client.delete(self.detail_url(obj)).status_code == 403
        assert self.model._default_manager.count() == count
        assert self.audit_actions(obj) == []

    @staticmethod
    def request_format(payload: dict) -> str:
        """Multipart when the payload carries a file, else JSON."""
        return "multipart" if any(hasattr(v, "read") for v in payload.values()) else "json"


class DeletableAPIResourceTests(WritableAPIResourceTests):
    """DELETE removes the row and audits it."""

    delete_role: str | None = None  # the role that may delete, when not `allowed_role`

    def test_delete_removes_the_row(self, company, make_user):
        obj = self.row(company)
        response = token_client(self.member(company, self.delete_role or self.allowed_role, make_user)).delete(
            self.detail_url(obj))
        assert response.status_code == 204, response.content
        assert not self.model._default_manager.filter(pk=obj.pk).exists()
        assert self.audit_actions(obj)[-1] == "delete"


class CompanyOwnedAPIResourceTests(_CompanyOwned):
    """Another company's rows: not listed, and 404 (never 403) on read and, where writable, on write."""

    def test_other_companys_rows_are_invisible(self, allowed_api, company, other_company, make_user):
        mine, theirs = self.row(company), self.row(other_company)
        response = allowed_api.get(self.list_url, {"page_size": 500})
        ids = {r["id"] for r in response.json()["results"]}
        assert mine.pk in ids
        assert theirs.pk not in ids
        assert allowed_api.get(self.detail_url(theirs)).status_code == 404
        if isinstance(self, WritableAPIResourceTests):
            snapshot = {f.attname: getattr(theirs, f.attname) for f in self.model._meta.concrete_fields}
            payload = _value(self.update_payload, company)
            assert allowed_api.patch(self.detail_url(theirs), payload,
                                     format=self.request_format(payload)).status_code == 404
            deleter = token_client(make_user(company, getattr(self, "delete_role", None) or self.allowed_role))
            assert deleter.delete(self.detail_url(theirs)).status_code == 404
            theirs.refresh_from_db()
            assert {f.attname: getattr(theirs, f.attname) for f in self.model._meta.concrete_fields} == snapshot
            assert self.audit_actions(theirs) == []


    def test_rights_follow_the_company_of_the_object(self, company, other_company, make_user):
        """Denied role in `company`, allowed role in `other_company`: each write is judged by its object's company,
        never by the union of the user's roles."""
        if not isinstance(self, WritableAPIResourceTests):
            return
        user = make_user(company, self.denied_role)
        add_membership(user, other_company, self.allowed_role)
        client = token_client(user)
        mine, theirs = self.row(company), self.row(other_company)
        update = _value(self.update_payload, company)
        assert client.patch(self.detail_url(mine), update, format=self.request_format(update)).status_code == 403
        assert self.audit_actions(mine) == []
        update = _value(self.update_payload, other_company)
        response = client.patch(self.detail_url(theirs), update, format=self.request_format(update))
        assert response.status_code == 200, response.content
        count = self.model._default_manager.count()
        create = {**_value(self.create_payload, company), "company": company.pk}
        assert client.post(self.list_url, create, format=self.request_format(create)).status_code == 403
        assert self.model._default_manager.count() == count
        create = {**_value(self.create_payload, other_company), "company": other_company.pk}
        response = client.post(self.list_url, create, format=self.request_format(create))
        assert response.status_code == 201, response.content
        if isinstance(self, DeletableAPIResourceTests) and not self.delete_role:
            assert client.delete(self.detail_url(mine)).status_code == 403
            assert client.delete(self.detail_url(theirs)).status_code == 204


class SharedAPIResourceTests(_Shared):
    """Reference data: a row made for either company is listed to both."""

    def test_reference_data_is_shared_by_every_company(self, allowed_api, company, other_company):
        mine, theirs = self.row(company), self.row(other_company)
        ids = {r["id"] for r in allowed_api.get(self.list_url, {"page_size": 500}).json()["results"]}
        assert {mine.pk, theirs.pk} <= ids


class FilterableAPIResourceTests:
    """Declared filters and search: the matching row is listed, the other is not."""

    # (query params, factory kwargs of a row that matches, factory kwargs of one that does not)
    filter_cases: list[tuple[dict, dict, dict]] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith("Test") and not cls.filter_cases:
            raise TypeError(f"{cls.__name__} uses FilterableAPIResourceTests but declares no filter_cases")

    def test_filters_and_search(self, allowed_api, company):
        for params, matching, other in self.filter_cases:
            hit, miss = self.row(company, **matching), self.row(company, **other)
            response = allowed_api.get(self.list_url, {**params, "page_size": 500})
            assert response.status_code == 200, (params, response.content)
            ids = {r["id"] for r in response.json()["results"]}
            assert hit.pk in ids, params
            assert miss.pk not in ids, params


# ---- UI -------------------------------------------------------------------------------------------------------


class UIResourceTests(_ResourceBase):
    """List and detail of one UI Resource; roles without `view` get 403.

    Combine with Creatable/Editable and CompanyOwned/Shared (see the module docstring).
    """

    url_prefix: str = ""  # "core:party" → core:party_list, core:party_detail, core:party_create, ...
    inline_prefixes: list[str] = []
    required = ("factory", "url_prefix")

    def url(self, view: str, *args) -> str:
        return reverse(f"{self.url_prefix}_{view}", args=args)

    def form_data(self, spec, company) -> dict:
        data = _value(spec, company)
        for prefix in self.inline_prefixes:
            data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
            data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
        return data

    @pytest.fixture
    def allowed_web(self, client, company, make_user):
        client.force_login(self.member(company, self.allowed_role, make_user))
        return client

    def test_list_shows_the_companys_rows_only(self, allowed_web, company, other_company,
                                               django_assert_max_num_queries):
        mine, theirs = self.row_with_children(company), self.row(other_company)
        for _ in range(3):
            self.row_with_children(company)
        with django_assert_max_num_queries(self.max_list_queries + 10):
            response = allowed_web.get(self.url("list"))
        assert response.status_code == 200
        shown = {row.record.pk for row in response.context["table"].page.object_list}
        assert mine.pk in shown
        if self.shared:
            assert response.context["table"].paginator.count == self.model._default_manager.count()
        else:
            assert theirs.pk not in shown
            assert response.context["table"].paginator.count == 4

    def test_detail_shows_the_row(self, allowed_web, company):
        obj = self.row(company)
        response = allowed_web.get(self.url("detail", obj.pk))
        assert response.status_code == 200
        assert response.context["object"] == obj
        assert b'data-testid="chatter"' in response.content

    def test_role_without_view_permission_gets_403(self, client, company, make_user):
        no_access_role()
        client.force_login(make_user(company, NO_ACCESS_ROLE))
        obj = self.row(company)
        assert client.get(self.url("list")).status_code == 403
        assert client.get(self.url("detail", obj.pk)).status_code == 403


class CreatableUIResourceTests(UIResourceTests):
    """The create form saves one row and redirects to it; a role without `add` gets 403."""

    create_form_data: dict | Callable = {}
    denied_role: str = ""
    required = ("factory", "url_prefix", "create_form_data", "denied_role")

    def test_create_form_saves_and_redirects(self, allowed_web, company):
        assert allowed_web.get(self.url("create")).status_code == 200
        before = set(self.model._default_manager.values_list("pk", flat=True))
        response = allowed_web.post(self.url("create"), self.form_data(self.create_form_data, company))
        assert response.status_code == 302, response.context and response.context["form"].errors
        created = self.model._default_manager.exclude(pk__in=before)
        assert created.count() == 1
        obj = created.get()
        assert response["Location"] == self.url("detail", obj.pk)
        if not self.shared and hasattr(obj, "company_id"):
            assert obj.company_id == company.pk

    def test_role_without_add_permission_gets_403(self, client, company, make_user):
        client.force_login(make_user(company, "Admin" if self.shared else self.denied_role))
        count = self.model._default_manager.count()
        assert client.get(self.url("create")).status_code == 403
        assert client.post(self.url("create"), self.form_data(self.create_form_data, company)).status_code == 403
        assert self.model._default_manager.count() == count


class EditableUIResourceTests(UIResourceTests):
    """The edit form saves, audits and redirects; a role without `change` gets 403."""

    update_form_data: dict | Callable = {}
    denied_role: str = ""
    required = ("factory", "url_prefix", "update_form_data", "denied_role")

    def test_edit_form_saves_and_redirects(self, allowed_web, company):
        obj = self.row(company)
        assert allowed_web.get(self.url("update", obj.pk)).status_code == 200
        data = self.form_data(self.update_form_data, company)
        response = allowed_web.post(self.url("update", obj.pk), data)
        assert response.status_code == 302, response.context and response.context["form"].errors
        assert response["Location"] == self.url("detail", obj.pk)
        assert self.audit_actions(obj)[-1] == "update"

    def test_role_without_change_permission_gets_403(self, client, company, make_user):
        client.force_login(make_user(company, "Admin" if self.shared else self.denied_role))
        obj = self.row(company)
        count = self.model._default_manager.count()
        assert client.get(self.url("update", obj.pk)).status_code == 403
        assert client.post(self.url("update", obj.pk),
                           self.form_data(self.update_form_data, company)).status_code == 403
        assert self.audit_actions(obj) == []
        assert self.model._default_manager.count() == count


class CompanyOwnedUIResourceTests(_CompanyOwned):
    """Another company's row answers 404 on its detail page and, where editable, on its edit form."""

    def test_other_companys_row_answers_404(self, allowed_web, company, other_company):
        theirs = self.row(other_company)
        assert allowed_web.get(self.url("detail", theirs.pk)).status_code == 404
        if isinstance(self, EditableUIResourceTests):
            assert allowed_web.get(self.url("update", theirs.pk)).status_code == 404
            response = allowed_web.post(self.url("update", theirs.pk), self.form_data(self.update_form_data, company))
            assert response.status_code == 404
        assert self.audit_actions(theirs) == []


    def test_rights_follow_the_active_company(self, client, company, other_company, make_user):
        """Denied role in `company`, allowed role in `other_company`: the forms open only where the role allows."""
        if not isinstance(self, CreatableUIResourceTests | EditableUIResourceTests):
            return
        user = make_user(company, self.denied_role)
        add_membership(user, other_company, self.allowed_role)
        client.force_login(user)
        mine, theirs = self.row(company), self.row(other_company)
        url = self.url("create") if isinstance(self, CreatableUIResourceTests) else None
        switch_company(client, company)
        if url:
            assert client.get(url).status_code == 403
        if isinstance(self, EditableUIResourceTests):
            assert client.get(self.url("update", mine.pk)).status_code == 403
        switch_company(client, other_company)
        if url:
            assert client.get(url).status_code == 200
        if isinstance(self, EditableUIResourceTests):
            assert client.get(self.url("update", theirs.pk)).status_code == 200


class SharedUIResourceTests(_Shared):
    """Reference data: a row made for another company is listed and shown to this one."""

    def test_reference_data_is_shown_to_every_company(self, allowed_web, company, other_company):
        theirs = self.row(other_company)
        assert allowed_web.get(self.url("detail", theirs.pk)).status_code == 200
