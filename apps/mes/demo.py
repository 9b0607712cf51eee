"""MES demo data: work centers, a routing, work orders (called by seed_demo)."""


def seed(*, company, other_company, users) -> None:
    """Seed both halves of MES: production first, then quality."""
    # the e-bike range's work centers, routings and work orders first: `seed_production` leaves them alone
    from apps.mes.demo_history import seed_history

    seed_history(company=company, users=users)
    seed_production(company=company, other_company=other_company, users=users)
    # ---- quality (appends below)
    from apps.mes.demo_quality import seed_quality

    seed_quality(company=company, other_company=other_company, users=users)
    # ---- shop-floor connectivity
    from apps.mes.demo_signals import seed_signals

    seed_signals(company=company)
    # ---- the shop floor at work: last week's operations and machine signals, today's running operations
    from apps.mes.demo_shop_floor import seed_shop_floor

    seed_shop_floor(company=company, users=users)


def seed_production(*, company, other_company, users) -> None:
    """Work centers with shifts, routings for the make items, and a few work orders."""
    from apps.mes.demo_production import seed_production as seed_it

    seed_it(company=company, other_company=other_company, users=users)
