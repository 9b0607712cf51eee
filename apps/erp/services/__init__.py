"""ERP services: the only code that changes ERP state (see the sub-modules)."""
