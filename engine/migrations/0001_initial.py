# The heartbeat model moved here from core: its table is kept (state only), then renamed.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EngineHeartbeat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("engine_id", models.CharField(max_length=80, unique=True)),
                        ("venue", models.CharField(max_length=64)),
                        ("host", models.CharField(max_length=255)),
                        ("pid", models.PositiveIntegerField()),
                        ("channel_layer", models.CharField(help_text="the channel layer class the engine uses", max_length=255)),
                        ("started_at", models.DateTimeField()),
                        ("seen_at", models.DateTimeField()),
                        ("messages_lost", models.PositiveBigIntegerField(default=0, help_text="group messages the channel layer dropped before an actor read them (should stay 0)")),
                        ("losses", models.JSONField(blank=True, default=dict, help_text="messages lost, by group")),
                    ],
                    options={"ordering": ["-seen_at"], "db_table": "core_engineheartbeat"},
                ),
            ],
            database_operations=[],
        ),
    ]
