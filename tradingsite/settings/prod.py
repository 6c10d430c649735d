"""Production: secrets and hosts from the environment, refused when insecure; HTTPS only.

A database of its own (``DATABASE_URL``, or ``var/prod.sqlite3``), never dev's. Behind a proxy
that terminates TLS, set ``SECURE_PROXY_SSL_HEADER_FORWARDED_PROTO=true`` so that Django trusts
its ``X-Forwarded-Proto`` header (else the HTTPS redirect loops).
"""

from django.core.exceptions import ImproperlyConfigured

from tradingsite.production import insecure_values

from .base import *  # noqa: F403
from .base import VAR_DIR, database, env

TRADING_ENV = "prod"
DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
_problems = insecure_values(SECRET_KEY, ALLOWED_HOSTS)
if _problems:
    raise ImproperlyConfigured("prod settings refused: " + "; ".join(_problems))

DATABASES = {"default": database(f"sqlite:///{VAR_DIR / 'prod.sqlite3'}")}

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# HTTP Strict Transport Security: browsers use HTTPS only, for a year, subdomains too.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("SECURE_PROXY_SSL_HEADER_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
