"""The seeded defaults become the SPEC's worked example (issue 13).

Only the model's defaults change, which Django keeps in Python, not in the table: no SQL runs and
existing rows keep their values (seed never overwrites them either).
"""

from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('naive', '0003_interval_ranges_from_the_formulas'),
    ]

    operations = [
        migrations.AlterField(
            model_name='tradingsettings',
            name='budget',
            field=models.DecimalField(decimal_places=8, default=Decimal('100'), max_digits=28),
        ),
        migrations.AlterField(
            model_name='tradingsettings',
            name='buy_down_interval',
            field=models.DecimalField(decimal_places=8, default=Decimal('0.0025'), max_digits=12),
        ),
        migrations.AlterField(
            model_name='tradingsettings',
            name='profit_target',
            field=models.DecimalField(decimal_places=8, default=Decimal('0.001'), help_text="the book's profit_interval: the sell lies this far above the buy, after 0.1 % fees each side", max_digits=12),
        ),
    ]
