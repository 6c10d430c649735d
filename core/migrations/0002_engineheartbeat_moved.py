# EngineHeartbeat now belongs to the engine app (its table is kept; engine's migrations rename it).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("engine", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="EngineHeartbeat")],
            database_operations=[],
        ),
    ]
