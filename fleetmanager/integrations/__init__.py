"""Clients of the external services the fleet manager depends on, each with an emulated twin."""
