"""ERP services: the only code that changes ERP state (one module per sub-domain)."""
