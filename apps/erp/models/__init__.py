"""ERP models, one file per sub-domain, re-exported here."""

from apps.erp.models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus

__all__ = ["SalesOrder", "SalesOrderLine", "SalesOrderStatus"]
