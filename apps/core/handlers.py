"""Core subscribes to no other module's events; domain apps put their @subscriber functions here."""
