"""SCM models (none yet)."""
