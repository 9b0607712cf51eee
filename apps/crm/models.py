"""CRM models (none yet)."""
