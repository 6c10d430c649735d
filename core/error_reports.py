"""Django's error reports without secrets: settings, request metadata and traceback variables.

Django's own filter hides values by their name (``*KEY*``, ``*PASS*``…); a connection URL such
as ``REDIS_URL``, a channel layer's ``hosts`` or a ``DATABASE_URL`` in the environment a server
hands to requests carries its password inside the value. This filter hides by name as Django
does, and masks the credentials of every URL it shows (settings.DEFAULT_EXCEPTION_REPORTER_FILTER).
"""

from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from core.secrets import mask_credentials


class _Shown:
    """A value as the report shows it (its repr, masked)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class SecretsFilter(SafeExceptionReporterFilter):
    """Hides secret-named values, and credentials inside every URL (settings, META, traceback variables)."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return mask_credentials(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request, tb_frame) -> list[tuple[str, Any]]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._cleanse_variable(name, value)) for name, value in variables]

    def _cleanse_variable(self, name: str, value: Any) -> Any:
        if value is None or isinstance(value, (str, bytes, int, float, dict, list, tuple)):
            return self.cleanse_setting(name, value)
        shown = repr(value)
        masked = mask_credentials(shown)
        return value if masked == shown else _Shown(masked)
