"""Demo data for core: two companies, one user per role, a few parties. Used by `seed_demo` only."""

from django.contrib.auth.models import Group, User
from django.db import transaction

from apps.core.models import Company, Currency, Party
from apps.core.services.companies import membership_set
from apps.core.services.parties import party_create

DEMO_USERS = {
    "admin": "Admin", "sales": "Sales", "engineer": "Engineering", "buyer": "Purchasing",
    "storekeeper": "Warehouse", "operator": "Production", "quality": "Quality", "accountant": "Finance",
    "manager": "Manager", "integrator": "Integrator", "planner": "Planner",
}
DEMO_PARTIES = [
    ("Acme Tractors Ltd", {"is_customer": True, "email": "orders@acme.example"}),
    ("Nordic Wind Systems", {"is_customer": True, "email": "buy@nordicwind.example"}),
    ("Steelworks Supply GmbH", {"is_supplier": True, "email": "sales@steelworks.example"}),
    ("Precision Bearings SA", {"is_supplier": True, "email": "info@bearings.example"}),
    ("Fastener Depot", {"is_supplier": True, "is_customer": True, "email": "hello@fastener.example"}),
]


def _user(username: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
    if created:
        user.set_password(username)  # demo only: the password is the user name
        user.is_staff = superuser or username in ("manager", "integrator")
        user.is_superuser = superuser
        user.save()
    return user


@transaction.atomic
def seed() -> dict:
    """Create the demo companies, users and parties once; a second run changes nothing."""
    eur = Currency.objects.get(code="EUR")
    demo, _ = Company.objects.get_or_create(code="DEMO", defaults={"name": "Demo Manufacturing", "currency": eur})
    other, _ = Company.objects.get_or_create(code="DEMO2", defaults={"name": "Other Works", "currency": eur})
    admin = _user("admin", superuser=True)
    users = {}
    for username, role in DEMO_USERS.items():
        user = _user(username, superuser=username == "admin")
        if not user.memberships.filter(company=demo).exists():
            membership_set(company=demo, user=user, role=Group.objects.get(name=role), actor=admin)
        users[username] = user
    other_user = _user("other")
    if not other_user.memberships.filter(company=other).exists():
        membership_set(company=other, user=other_user, role=Group.objects.get(name="Admin"), actor=admin)
    users["other"] = other_user
    # roles are per company: `multi` sells in DEMO and manages DEMO2, and may approve purchase orders only there
    multi = _user("multi")
    for company, role in ((demo, "Sales"), (other, "Manager")):
        if not multi.memberships.filter(company=company).exists():
            membership_set(company=company, user=multi, role=Group.objects.get(name=role), actor=admin)
    users["multi"] = multi
    for name, flags in DEMO_PARTIES:
        if not Party.objects.filter(company=demo, name=name).exists():
            party_create(company=demo, actor=admin, name=name, **flags)
    if not Party.objects.filter(company=other).exists():
        party_create(company=other, actor=other_user, name="Other Works Customer", is_customer=True)
    return {"company": demo, "other_company": other, "users": users}
