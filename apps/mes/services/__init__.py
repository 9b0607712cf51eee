"""MES services: the only code that changes MES state."""
