"""Phone numbers as a caller gives them (联系电话): a mobile, or a landline with or without
its area code. Only the form is checked, so a number cut short is caught at the counter."""

from __future__ import annotations

import re
import unicodedata

from policies.errors import PolicyError

# +86 / 0086 before a mobile; spaces, hyphens and brackets between groups.
_SEPARATORS = re.compile(r"[\s\-()（）]")
# re.ASCII: \d would also take the other scripts' digits (١٢٣, ߁), which NFKC leaves as they are.
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})", re.ASCII)
# 0 + a 2–3 digit area code + a 7–8 digit subscriber number not starting with 0 or 1,
# then an optional extension (转 / ext); or the subscriber number alone (same county).
_LANDLINE = re.compile(
    r"(?:0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext|#)\d{1,6})?", re.IGNORECASE | re.ASCII
)

MESSAGE = "联系电话不对：手机号为 1 开头的 11 位数字，固定电话为区号加 7–8 位号码"


class InvalidPhone(PolicyError):
    """Not a phone number; the message is Chinese and does not repeat the number."""


def validate_phone(text: str) -> str:
    """The number as digits (a mobile without +86), or InvalidPhone."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    compact = _SEPARATORS.sub("", folded)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    if _LANDLINE.fullmatch(compact):
        return compact
    raise InvalidPhone(MESSAGE)
