"""Whether the database's tables are those the code expects: a server must not start on a database never migrated."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.failures import MIGRATE, describe_database


def unmigrated(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """One line saying to run ``migrate`` when migrations are not applied yet, else None."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return None
    state = "is not set up yet" if not executor.loader.applied_migrations else "is older than the code"
    return f"the {describe_database()} {state} ({len(plan)} migration(s) to apply): run `{MIGRATE}` first"
