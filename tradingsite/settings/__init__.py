"""Settings per environment: dev (default), test, integration, prod. See base.py."""
