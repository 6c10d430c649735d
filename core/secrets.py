"""Credentials inside text: connection URLs carry them (``user:password@``, ``?password=``).

Whatever shows a URL to a person (an error message, an error report) masks them first.
"""

import re

SUBSTITUTE = "********************"  # what Django's error reports show for a hidden value
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#]*)@")
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&;][^=&#\s]*(?:pass|pwd|secret|token|key|auth)[^=&#\s]*=)(?P<value>[^&#\s]*)", re.IGNORECASE
)


def mask_credentials(text: str) -> str:
    """``text`` with the user and password of every URL in it, and secret query parameters, masked.

    ``redis://:pw@cache:6379/0`` becomes ``redis://********************@cache:6379/0``; the host,
    port and database stay, as they are what a reader needs to see which server was meant.
    """
    text = _USERINFO.sub(lambda match: f"{match['scheme']}{SUBSTITUTE}@", text)
    return _SECRET_PARAMETER.sub(lambda match: f"{match['name']}{SUBSTITUTE}", text)
