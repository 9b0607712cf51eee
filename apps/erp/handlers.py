"""@subscriber functions of ERP for other modules' events (none yet)."""
