"""Optuna's own tables, read through the ORM for the admin and ``apply_parameters`` (never written here).

Studies live in Optuna's RDB storage in this database (``tuning.storage``); these unmanaged
models map the few tables people look at, so there is one record of every study and trial:
the one the workers share. The schema is Optuna's (pinned in requirements.txt); the admin's
tests read a real study through these models, so a schema change shows up there.
"""

import json
from functools import cached_property
from typing import Any

from django.db import models

from tuning.results import TrialRecord


def _attrs(rows: Any) -> dict[str, Any]:
    return {row.key: json.loads(row.value_json) for row in rows.all()}


class Study(models.Model):
    """A parameter search (an Optuna study)."""

    study_id = models.AutoField(primary_key=True)
    study_name = models.CharField(max_length=512, unique=True)

    class Meta:
        managed = False
        db_table = "studies"
        verbose_name_plural = "studies"
        ordering = ["-study_id"]

    def __str__(self) -> str:
        return self.study_name

    @cached_property
    def attrs(self) -> dict[str, Any]:
        """The study's user attributes: ``config``, ``descriptions``, ``baseline``, ``testing``."""
        return _attrs(self.attributes)

    @property
    def config(self) -> dict[str, Any]:
        return self.attrs.get("config") or {}

    @property
    def symbol(self) -> str:
        return str(self.config.get("symbol", ""))

    @cached_property
    def records(self) -> list[TrialRecord]:
        """Every trial as the report sees it (read once per object)."""
        trials = self.trials.prefetch_related("attributes", "objective_values").order_by("number")
        return [trial.record() for trial in trials]


class StudyAttribute(models.Model):
    study_user_attribute_id = models.AutoField(primary_key=True)
    study = models.ForeignKey(
        Study, models.DO_NOTHING, db_column="study_id", related_name="attributes", db_constraint=False
    )
    key = models.CharField(max_length=512)
    value_json = models.TextField()

    class Meta:
        managed = False
        db_table = "study_user_attributes"


class Trial(models.Model):
    """One trial of a study: a backtest of sampled settings."""

    trial_id = models.AutoField(primary_key=True)
    number = models.IntegerField()
    study = models.ForeignKey(
        Study, models.DO_NOTHING, db_column="study_id", related_name="trials", db_constraint=False
    )
    state = models.CharField(max_length=16)
    datetime_start = models.DateTimeField(null=True)
    datetime_complete = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "trials"
        ordering = ["study_id", "number"]

    def __str__(self) -> str:
        return f"trial {self.number} of {self.study.study_name}"

    @cached_property
    def attrs(self) -> dict[str, Any]:
        """The trial's user attributes: settings, figures, run, worker, failure."""
        return _attrs(self.attributes)

    @cached_property
    def value(self) -> float | None:
        values = [row.value for row in self.objective_values.all() if row.objective == 0]
        return values[0] if values else None

    def record(self) -> TrialRecord:
        return TrialRecord(
            number=self.number,
            state=self.state,
            value=self.value if self.state == "COMPLETE" else None,
            attrs=self.attrs,
            started=self.datetime_start,
            finished=self.datetime_complete,
        )


class TrialAttribute(models.Model):
    trial_user_attribute_id = models.AutoField(primary_key=True)
    trial = models.ForeignKey(
        Trial, models.DO_NOTHING, db_column="trial_id", related_name="attributes", db_constraint=False
    )
    key = models.CharField(max_length=512)
    value_json = models.TextField()

    class Meta:
        managed = False
        db_table = "trial_user_attributes"


class TrialValue(models.Model):
    trial_value_id = models.AutoField(primary_key=True)
    trial = models.ForeignKey(
        Trial, models.DO_NOTHING, db_column="trial_id", related_name="objective_values", db_constraint=False
    )
    objective = models.IntegerField()
    value = models.FloatField(null=True)
    value_type = models.CharField(max_length=7)

    class Meta:
        managed = False
        db_table = "trial_values"


class TrialHeartbeat(models.Model):
    """When a running trial's worker last said it was alive."""

    trial_heartbeat_id = models.AutoField(primary_key=True)
    trial = models.ForeignKey(
        Trial, models.DO_NOTHING, db_column="trial_id", related_name="heartbeats", db_constraint=False
    )
    heartbeat = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "trial_heartbeats"
