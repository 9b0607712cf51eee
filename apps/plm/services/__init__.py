"""PLM services: the only code that changes PLM state."""
