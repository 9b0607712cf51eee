"""@subscriber functions of PLM for other modules' events (none yet)."""
