"""Errors of the hall's rules; every message is Chinese and fit for the operator."""


class PolicyError(Exception):
    """Base of every error raised by policies/."""
