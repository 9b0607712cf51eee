"""MES models (none yet)."""
