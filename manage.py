#!/usr/bin/env python
"""Django's command-line utility. TRADING_ENV (dev, test, integration, prod) picks the settings."""

import os
import sys


def main() -> None:
    env = os.environ.get("TRADING_ENV", "dev")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{env}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
