"""Production: secrets and hosts must come from the environment."""

from .base import *  # noqa: F403
from .base import env

TRADING_ENV = "prod"
DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
