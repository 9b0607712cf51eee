"""CRM services: the only code that changes CRM state (see the sub-modules)."""
