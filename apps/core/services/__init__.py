"""Core services: the only code that changes core state."""
