"""What production settings must not be: checked when the prod settings load (pure)."""

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def insecure_values(secret_key: str, allowed_hosts: list[str]) -> list[str]:
    """What is wrong with these production values, each as a short sentence; empty when they are fine."""
    problems = []
    if not secret_key:
        problems.append(f"SECRET_KEY is not set (make one with {MAKE_A_KEY})")
    elif secret_key == DEVELOPMENT_SECRET_KEY or secret_key.startswith(SECRET_KEY_INSECURE_PREFIX):
        problems.append(f"SECRET_KEY is the public development key (make one with {MAKE_A_KEY})")
    elif len(secret_key) < SECRET_KEY_MIN_LENGTH or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        problems.append(
            f"SECRET_KEY is too weak: at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different (make one with {MAKE_A_KEY})"
        )
    hosts = [host.strip() for host in allowed_hosts if host.strip()]
    if not hosts:
        problems.append("ALLOWED_HOSTS is empty: list the host names the site answers to, comma-separated")
    elif "*" in hosts:
        problems.append("ALLOWED_HOSTS holds '*', which lets any Host header in: list the site's host names")
    return problems
