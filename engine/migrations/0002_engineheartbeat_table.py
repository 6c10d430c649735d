from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("engine", "0001_initial"),
        ("core", "0002_engineheartbeat_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="engineheartbeat", table=None),
    ]
