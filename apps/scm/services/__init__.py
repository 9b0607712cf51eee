"""SCM services: the only code that changes SCM state (see the sub-modules)."""
