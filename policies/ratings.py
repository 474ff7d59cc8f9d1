"""好差评: which rating may replace the 未评价 record the daily job wrote.

Each service is rated once (seed 002 附件9). A service not rated at the counter within the
policy's window is recorded as 未评价 (or the hall's default level); a rating the applicant
gives later — on the callback (电话回访), by SMS or on the portal — is still their rating of
that service: it replaces the 未评价 record, recorded as such, and the service stays rated
once. A rating taken at the counter (评价器, 窗口代录) comes within the window, never after
the record.
"""

from __future__ import annotations

__all__ = ["LATER_CHANNELS", "replaces_not_rated"]

#: Channels that reach the applicant after the service (电话回访, 短信, 网上).
LATER_CHANNELS = frozenset({"phone", "sms", "online"})


def replaces_not_rated(channel: str) -> bool:
    """Whether a rating given through ``channel`` replaces a 未评价 record."""
    return channel in LATER_CHANNELS
