#!/usr/bin/env python
"""Django's command-line utility. TRADING_ENV (dev, test, integration, prod, demo) picks the settings.

Set-up a user can get wrong (an unknown TRADING_ENV, a DATABASE_URL or REDIS_URL that is not a
URL, insecure prod settings, a database that cannot be reached) ends in one line naming what is
wrong, never in a traceback.
"""

import os
import sys


def main() -> None:
    from django.core.exceptions import ImproperlyConfigured

    try:
        from tradingsite.environments import settings_module

        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module(default="dev")
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, which check themselves
    except ImproperlyConfigured as error:
        sys.exit(f"manage.py: {error}")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as error:
        from core.failures import one_line_failure

        message = one_line_failure(error)
        if message is None:
            raise
        sys.exit(f"manage.py {' '.join(sys.argv[1:2])}: {message}")


if __name__ == "__main__":
    main()
