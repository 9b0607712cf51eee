"""@subscriber functions of ERP for other modules' events (none yet: the posting rules come with part B)."""
