"""ERP models (none yet)."""
