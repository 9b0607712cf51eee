"""Generic API and UI tests of a resource: CRUD, company isolation, permissions, filters, query counts.

A module tests a resource in a few lines (NetBox's `APIViewTestCases`, pytest style):

    class TestPartyAPI(APIResourceTests):
        list_url = "/api/v1/core/parties/"
        factory = PartyFactory
        create_payload = {"name": "Ferro AG", "is_customer": True}
        update_payload = {"name": "Ferro GmbH"}
        allowed_role, denied_role = "Sales", "Engineering"
        filter_cases = [({"is_supplier": "true"}, {"is_supplier": True}, {"is_supplier": False})]

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


def _value(spec, company):
    return spec(company) if callable(spec) else dict(spec)


def _comparable(value):
    return value.pk if isinstance(value, Model) else value


class _ResourceBase:
    factory = None
    allowed_role: str = "Admin"
    denied_role: str | None = None
    max_list_queries: int = 10

    @property
    def model(self) -> type[Model]:
        return self.factory._meta.model

    @property
    def shared(self) -> bool:
        return not is_company_owned(self.model)

    def row(self, company, **kwargs) -> Model:
        return make_row(self.factory, None if self.shared else company, **kwargs)

    def audit_actions(self, obj) -> list[str]:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return list(AuditRecord.objects.filter(content_type=content_type, object_id=str(obj.pk))
                    .order_by("created_at", "id").values_list("action", flat=True))


class APIResourceTests(_ResourceBase):
    """CRUD, isolation, permission and query-count tests of one `/api/v1/` resource."""

    list_url: str = ""
    create_payload: dict | Callable = {}
    update_payload: dict | Callable = {}
    can_write: bool = True
    can_delete: bool = True
    delete_role: str | None = None  # the role that may delete, when not `allowed_role`
    # (query params, factory kwargs of a row that matches, factory kwargs of one that does not)
    filter_cases: list[tuple[dict, dict, dict]] = []

    def detail_url(self, obj) -> str:
        return f"{self.list_url}{obj.pk}/"

    @pytest.fixture
    def allowed_api(self, company, make_user):
        """Token-authenticated like an integrator: every request loads the user, so query counts are honest."""
        return token_client(make_user(company, self.allowed_role))

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

    def test_create_writes_one_audited_row(self, allowed_api, company):
        if not self.can_write:
            pytest.skip("read-only resource: covered by test_write_methods_are_not_allowed")
        payload = _value(self.create_payload, company)
        before = self.model._default_manager.count()
        response = allowed_api.post(self.list_url, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        obj = self.model._default_manager.get(pk=body["id"])
        for key, value in payload.items():
            if not isinstance(value, list | dict):
                assert body[key] == value, key
        assert self.model._default_manager.count() == before + 1
        if not self.shared:
            assert obj.company_id == company.pk
        assert self.audit_actions(obj) == ["create"]

    def test_update_changes_the_row_and_audits_before_after(self, allowed_api, company):
        if not self.can_write:
            pytest.skip("read-only resource: covered by test_write_methods_are_not_allowed")
        obj = self.row(company)
        payload = _value(self.update_payload, company)
        response = allowed_api.patch(self.detail_url(obj), payload, format="json")
        assert response.status_code == 200, response.content
        for key, value in payload.items():
            if not isinstance(value, list | dict):
                assert response.json()[key] == value, key
        assert self.audit_actions(obj)[-1] == "update"
        record = AuditRecord.objects.filter(object_id=str(obj.pk), action="update").latest("id")
        changed = {field for field, _old, _new in record.changes}
        assert changed, "the audit record shows what changed"

    def test_delete_removes_the_row(self, company, make_user):
        if not (self.can_write and self.can_delete):
            pytest.skip("resource cannot be deleted through the API")
        obj = self.row(company)
        response = token_client(make_user(company, self.delete_role or self.allowed_role)).delete(
            self.detail_url(obj))
        assert response.status_code == 204, response.content
        assert not self.model._default_manager.filter(pk=obj.pk).exists()
        assert self.audit_actions(obj)[-1] == "delete"

    def test_write_methods_are_not_allowed(self, allowed_api, company):
        if self.can_write:
            pytest.skip("writable resource: covered by the create/update/delete tests")
        obj = self.row(company)
        count = self.model._default_manager.count()
        assert allowed_api.post(self.list_url, {}, format="json").status_code == 405
        assert allowed_api.patch(self.detail_url(obj), {}, format="json").status_code == 405
        assert allowed_api.delete(self.detail_url(obj)).status_code == 405
        assert self.model._default_manager.count() == count

    def test_other_companys_rows_are_invisible(self, allowed_api, company, other_company, make_user):
        if self.shared:
            mine, theirs = self.row(company), self.row(other_company)
            ids = {r["id"] for r in allowed_api.get(self.list_url, {"page_size": 500}).json()["results"]}
            assert {mine.pk, theirs.pk} <= ids  # reference data is shared by every company
            return
        mine, theirs = self.row(company), self.row(other_company)
        response = allowed_api.get(self.list_url, {"page_size": 500})
        ids = {r["id"] for r in response.json()["results"]}
        assert mine.pk in ids
        assert theirs.pk not in ids
        assert allowed_api.get(self.detail_url(theirs)).status_code == 404
        if self.can_write:
            snapshot = {f.attname: getattr(theirs, f.attname) for f in self.model._meta.concrete_fields}
            payload = _value(self.update_payload, company)
            assert allowed_api.patch(self.detail_url(theirs), payload, format="json").status_code == 404
            if self.can_delete:
                deleter = token_client(make_user(company, self.delete_role or self.allowed_role))
                assert deleter.delete(self.detail_url(theirs)).status_code == 404
            theirs.refresh_from_db()
            assert {f.attname: getattr(theirs, f.attname) for f in self.model._meta.concrete_fields} == snapshot

    def test_role_without_write_permission_gets_403(self, company, make_user, api_for):
        if not self.can_write or self.denied_role is None:
            pytest.skip("no write permission to deny")
        client = api_for(make_user(company, self.denied_role))
        obj = self.row(company)
        count = self.model._default_manager.count()
        assert client.get(self.list_url).status_code == 200  # reading stays allowed
        assert client.post(self.list_url, _value(self.create_payload, company), format="json").status_code == 403
        assert client.patch(self.detail_url(obj), _value(self.update_payload, company),
                            format="json").status_code == 403
        assert client.delete(self.detail_url(obj)).status_code == 403
        assert self.model._default_manager.count() == count
        assert self.audit_actions(obj) == []

    def test_role_without_view_permission_gets_403(self, company, make_user, api_for):
        no_access_role()
        client = api_for(make_user(company, NO_ACCESS_ROLE))
        obj = self.row(company)
        response = client.get(self.list_url)
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert client.get(self.detail_url(obj)).status_code == 403

    def test_filters_and_search(self, allowed_api, company):
        if not self.filter_cases:
            pytest.skip("resource declares no filter cases")
        for params, matching, other in self.filter_cases:
            hit, miss = self.row(company, **matching), self.row(company, **other)
            response = allowed_api.get(self.list_url, {**params, "page_size": 500})
            assert response.status_code == 200, (params, response.content)
            ids = {r["id"] for r in response.json()["results"]}
            assert hit.pk in ids, params
            assert miss.pk not in ids, params

    def test_list_query_count_does_not_grow_with_rows(self, allowed_api, company):
        self.row(company)
        with CaptureQueriesContext(connection) as few:
            assert allowed_api.get(self.list_url).status_code == 200
        for _ in range(5):
            self.row(company)
        with CaptureQueriesContext(connection) as many:
            assert allowed_api.get(self.list_url).status_code == 200
        assert len(many) == len(few), "N+1: the list makes more queries with more rows"
        assert len(many) <= self.max_list_queries


class UIResourceTests(_ResourceBase):
    """List, detail, create/edit forms, isolation (404) and permissions (403) of one UI Resource."""

    url_prefix: str = ""  # "core:party" → core:party_list, core:party_detail, core:party_create, ...
    create_form_data: dict | Callable = {}
    update_form_data: dict | Callable = {}
    inline_prefixes: list[str] = []
    can_create: bool = True
    can_edit: bool = True

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
        client.force_login(make_user(company, self.allowed_role))
        return client

    def test_list_shows_the_companys_rows_only(self, allowed_web, company, other_company,
                                               django_assert_max_num_queries):
        mine, theirs = self.row(company), self.row(other_company)
        for _ in range(3):
            self.row(company)
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

    def test_other_companys_row_answers_404(self, allowed_web, company, other_company):
        if self.shared:
            pytest.skip("reference data is shared by every company")
        theirs = self.row(other_company)
        assert allowed_web.get(self.url("detail", theirs.pk)).status_code == 404
        if self.can_edit:
            assert allowed_web.get(self.url("update", theirs.pk)).status_code == 404
            response = allowed_web.post(self.url("update", theirs.pk), self.form_data(self.update_form_data, company))
            assert response.status_code == 404
        assert self.audit_actions(theirs) == []

    def test_create_form_saves_and_redirects(self, allowed_web, company):
        if not self.can_create:
            pytest.skip("resource has no create form")
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

    def test_edit_form_saves_and_redirects(self, allowed_web, company):
        if not self.can_edit:
            pytest.skip("resource has no edit form")
        obj = self.row(company)
        assert allowed_web.get(self.url("update", obj.pk)).status_code == 200
        data = self.form_data(self.update_form_data, company)
        response = allowed_web.post(self.url("update", obj.pk), data)
        assert response.status_code == 302, response.context and response.context["form"].errors
        assert response["Location"] == self.url("detail", obj.pk)
        assert self.audit_actions(obj)[-1] == "update"

    def test_role_without_permission_gets_403(self, client, company, make_user):
        if self.denied_role is None:
            pytest.skip("no role to deny")
        client.force_login(make_user(company, self.denied_role))
        count = self.model._default_manager.count()
        if self.can_create:
            assert client.get(self.url("create")).status_code == 403
            assert client.post(self.url("create"), self.form_data(self.create_form_data, company)).status_code == 403
        if self.can_edit:
            obj = self.row(company)
            count += 1
            assert client.post(self.url("update", obj.pk),
                               self.form_data(self.update_form_data, company)).status_code == 403
            assert self.audit_actions(obj) == []
        assert self.model._default_manager.count() == count

    def test_role_without_view_permission_gets_403(self, client, company, make_user):
        no_access_role()
        client.force_login(make_user(company, NO_ACCESS_ROLE))
        obj = self.row(company)
        assert client.get(self.url("list")).status_code == 403
        assert client.get(self.url("detail", obj.pk)).status_code == 403
