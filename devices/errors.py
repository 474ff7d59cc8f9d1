"""Errors of the devices; every message is Chinese and fit for the operator."""


class DeviceError(Exception):
    """Base of every error raised by devices/."""
