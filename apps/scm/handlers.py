"""@subscriber functions of SCM for other modules' events (none yet)."""
