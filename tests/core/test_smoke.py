import pytest

pytestmark = pytest.mark.django_db


def test_party_api_create_and_list(api, company):
    response = api.post("/api/v1/core/parties/", {"name": "Acme", "is_customer": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "P-00001"
    listing = api.get("/api/v1/core/parties/").json()
    assert listing["count"] == 1
