"""Errors of the register; every message is Chinese and fit for the operator."""


class StoreError(Exception):
    """Base of every error raised by store/."""
