"""The roles (Django groups) and the permissions each one has, declared once.

A pattern matches `app_label.codename` (fnmatch). `sync_roles` is called by core's data
migration and again by each domain app's migration once its models (and permissions) exist.
"""

from fnmatch import fnmatch

CHATTER = ["core.add_note", "core.view_note", "core.add_attachment", "core.view_attachment"]
READ_ALL = ["core.view_*", "plm.view_*", "scm.view_*", "crm.view_*", "mes.view_*", "erp.view_*", "auth.view_group"]
PARTIES = ["core.add_party", "core.change_party", "core.*_partyaddress", "core.*_contactperson"]
# storekeepers: stock, locations, lots, reservations, counts, receipts and shipments; purchasing is read-only
# (READ_ALL) and `scm.approve_purchaseorder` is never theirs
WAREHOUSE_SCM = ["scm.*_warehouse", "scm.*_location", "scm.*_lot", "scm.*_stockmove", "scm.*_reservation",
                 "scm.*_cyclecount", "scm.*_cyclecountline", "scm.*_goodsreceipt", "scm.*_goodsreceiptline",
                 "scm.*_shipment", "scm.*_shipmentline", "scm.*_shipmentallocation"]
# every CRUD permission of SCM, but no custom ones (no approval above the threshold)
SCM_CRUD = ["scm.add_*", "scm.change_*", "scm.delete_*", "scm.view_*"]
# every CRUD permission of MES, but no custom ones (running operations out of sequence is a supervisor's)
MES_CRUD = ["mes.add_*", "mes.change_*", "mes.delete_*", "mes.view_*"]
# the accountant's books: every CRUD permission of ERP and its workflow steps, but reopening a closed period is a
# finance manager's (`erp.reopen_period`: Manager and Admin)
ERP_CRUD = ["erp.add_*", "erp.change_*", "erp.delete_*", "erp.view_*"]
# the planner's MRP: planning parameters, runs and their planned orders (release included)
MRP = ["erp.*_itemplanning", "erp.*_mrprun", "erp.*_mrpmessage", "erp.*_mrpitemplan", "erp.*_plannedorder",
       "erp.*_peg", "erp.release_plannedorder"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # sales orders: add, change, view, delete drafts and confirm (`erp.confirm_salesorder`)
    "Sales": [*READ_ALL, *CHATTER, *PARTIES, "crm.*", "erp.*_salesorder*"],
    "Engineering": [*READ_ALL, *CHATTER, "plm.*"],
    "Purchasing": [*READ_ALL, *CHATTER, *PARTIES, "scm.add_purchase*", "scm.change_purchase*", "scm.delete_purchase*",
                   "scm.*_supplier*", "scm.*_receipt*", "scm.*_goodsreceipt*", "scm.*_reorderrule"],
    "Warehouse": [*READ_ALL, *CHATTER, *WAREHOUSE_SCM],
    "Production": [*READ_ALL, *CHATTER, *MES_CRUD],
    "Quality": [*READ_ALL, *CHATTER, *MES_CRUD, "plm.add_changerequest", "plm.change_changerequest",
                "plm.approve_changeorder", "erp.recall_lot"],
    "Finance": [*READ_ALL, *CHATTER, *ERP_CRUD, "core.*_exchangerate"],
    # MRP: item planning parameters, runs (start, cancel) and releasing planned orders into SCM/MES drafts
    "Planner": [*READ_ALL, *CHATTER, *MRP],
    "Manager": [*READ_ALL, *CHATTER, "core.*_event", "plm.approve_changeorder", "scm.approve_purchaseorder",
                # the floor's supervisor: may run an operation out of the routing sequence (and so run operations)
                "scm.change_purchaseorder", "mes.change_operation", "mes.override_sequence",
                # the finance manager: reopens a closed period (and so changes periods)
                "erp.change_period", "erp.reopen_period",
                # confirms (credit limit) and cancels customers' sales orders
                "erp.change_salesorder", "erp.confirm_salesorder",
                # releases vendor bills held by the three-way match (and so changes bills)
                "erp.change_vendorbill", "erp.release_vendorbill",
                # runs the recall of a supplier lot (with Quality)
                "erp.recall_lot"],
    "Integrator": [*READ_ALL, *CHATTER, *PARTIES, "plm.*", *SCM_CRUD, "crm.*", *MES_CRUD, *ERP_CRUD,
                   "erp.confirm_salesorder", "erp.release_plannedorder", "erp.recall_lot"],
    # no `auth.*`/`authtoken.*`: a company Admin manages its members through memberships, never other accounts
    # or tokens (that would reach into other companies and up to superuser); reference data is superusers' only
    "Admin": ["core.*", "plm.*", "scm.*", "crm.*", "mes.*", "erp.*", "auth.view_group"],
}
# platform reference data: only superusers change it, whatever a role's patterns say
PLATFORM_ONLY = ["core.add_currency", "core.change_currency", "core.delete_currency", "core.add_unitofmeasure",
                 "core.change_unitofmeasure", "core.delete_unitofmeasure", "core.add_uomcategory",
                 "core.change_uomcategory", "core.delete_uomcategory"]


# what a role's broad patterns match but it must not have: finance reads sales orders, sales writes and confirms them
ROLE_EXCLUSIONS: dict[str, list[str]] = {
    "Finance": ["erp.add_salesorder*", "erp.change_salesorder*", "erp.delete_salesorder*", "erp.confirm_salesorder",
                # planning is the planner's: finance reads it
                "erp.add_itemplanning", "erp.change_itemplanning", "erp.delete_itemplanning", "erp.add_mrp*",
                "erp.change_mrp*", "erp.delete_mrp*", "erp.add_plannedorder", "erp.change_plannedorder",
                "erp.delete_plannedorder", "erp.add_peg", "erp.change_peg", "erp.delete_peg"],
}


def permissions_for(role: str, codes: list[str]) -> list[str]:
    """The `app_label.codename` strings of `codes` that the role's patterns grant (less its exclusions)."""
    patterns, excluded = ROLE_PERMISSIONS[role], ROLE_EXCLUSIONS.get(role, [])
    return [code for code in codes if code not in PLATFORM_ONLY and any(fnmatch(code, p) for p in patterns)
            and not any(fnmatch(code, p) for p in excluded)]


def sync_roles(apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly the permissions its patterns match."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = {
        f"{p.content_type.app_label}.{p.codename}": p.pk for p in Permission.objects.select_related("content_type")
    }
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([permissions[c] for c in permissions_for(role, list(permissions))])
