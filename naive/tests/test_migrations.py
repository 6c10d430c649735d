"""Migration 0003 tightens the interval ranges: rows outside them stop it, listed, rather than being changed."""

import importlib

import pytest
from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection

from naive.models import TradingSettings
from tests.support.db import invalid_values_allowed

pytestmark = pytest.mark.django_db

ranges = importlib.import_module("naive.migrations.0003_interval_ranges_from_the_formulas")


class SchemaEditor:
    connection = connection


def test_rows_outside_the_new_ranges_stop_the_migration_naming_them(seeded):
    with invalid_values_allowed():
        TradingSettings.objects.filter(symbol="XRPUSDT").update(buy_down_interval="-0.99", rebuy_interval="-0.002")

        with pytest.raises(CommandError) as refused:
            ranges.refuse_rows_out_of_range(apps, SchemaEditor())

    message = str(refused.value)
    assert "XRPUSDT buy_down_interval=-0.99" in message and "XRPUSDT rebuy_interval=-0.002" in message
    assert "change them (admin or SQL), then migrate again" in message


def test_the_seeded_defaults_pass_the_migration(seeded):
    ranges.refuse_rows_out_of_range(apps, SchemaEditor())
