"""A study never gets more trials than it asked for, however many workers ask at once.

Each worker starts another trial while the study is short of its count; two workers that both see
one trial missing would both start one. Here the count and the new trial are one transaction
under the lock Optuna already takes on the study's row to number its trials (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite every write transaction begins ``IMMEDIATE``), so the last
trial goes to exactly one worker and the others are told the study is full.
"""

import json

import optuna
from optuna.storages._rdb import models
from optuna.trial import FrozenTrial
from sqlalchemy import orm

MAX_TRIALS = "max_trials"


class StudyFull(Exception):
    """The study already has every trial it wants (running or finished)."""


class TrialLimitedStorage(optuna.storages.RDBStorage):
    """Optuna's RDB storage refusing a new trial to a study holding its ``max_trials`` user attribute's worth."""

    def _get_prepared_new_trial(
        self, study_id: int, template_trial: FrozenTrial | None, session: orm.Session
    ) -> models.TrialModel:
        # Called by Optuna inside the transaction that holds the study's row lock.
        limit = (
            session.query(models.StudyUserAttributeModel.value_json)
            .filter_by(study_id=study_id, key=MAX_TRIALS)
            .scalar()
        )
        if limit is not None:
            have = session.query(models.TrialModel).filter_by(study_id=study_id).count()
            if have >= json.loads(limit):
                raise StudyFull(f"the study has all its {json.loads(limit)} trials")
        return super()._get_prepared_new_trial(study_id, template_trial, session)
