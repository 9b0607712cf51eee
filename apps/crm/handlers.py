"""@subscriber functions of CRM for other modules' events (none yet)."""
