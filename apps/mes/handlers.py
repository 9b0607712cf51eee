"""@subscriber functions of MES for other modules' events (none yet)."""
