"""Copy a trial's settings into a symbol's trading settings, through the admin's own validation."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.groups import normalize_symbol
from engine.client import apply_now
from naive import params
from naive.models import TradingSettings
from tuning.models import Study, Trial
from tuning.results import best_of


class ApplyError(Exception):
    """Settings that cannot be copied; the message is one line saying why."""


def chosen_trial(study_name: str, number: int | None = None) -> Trial:
    """Trial ``number`` of the study, or its best trial; only a completed trial within the limits will do."""
    study = Study.objects.filter(study_name=study_name).first()
    if study is None:
        raise ApplyError(f"there is no study named {study_name!r}")
    trials = {trial.number: trial for trial in study.trials.prefetch_related("attributes", "objective_values")}
    if number is None:
        best = best_of(trial.record() for trial in trials.values())
        if best is None:
            raise ApplyError(f"study {study_name} has no completed trial within its limits: nothing to copy")
        return trials[best.number]
    trial = trials.get(number)
    if trial is None:
        raise ApplyError(f"study {study_name} has no trial {number}")
    record = trial.record()
    if not record.scored:
        reason = record.failure or f"it is {record.state.lower()}"
        raise ApplyError(f"trial {number} of study {study_name} cannot be copied: {reason}")
    return trial


def apply_trial(trial: Trial, symbol: str, *, any_symbol: bool = False) -> str:
    """Write the trial's settings into ``symbol``'s trading settings; returns a sentence for the user."""
    try:
        symbol = normalize_symbol(symbol)
    except ValueError as error:
        raise ApplyError(str(error)) from None
    searched = trial.study.symbol
    if searched != symbol and not any_symbol:
        raise ApplyError(
            f"study {trial.study.study_name} was tuned on {searched}, not {symbol} "
            "(give --any-symbol to copy its settings anyway)"
        )
    try:
        values = params.parse_settings(trial.attrs.get("settings") or {})
    except ValueError as error:
        raise ApplyError(f"trial {trial.number} of study {trial.study.study_name}: {error}") from None
    with transaction.atomic():
        row = TradingSettings.objects.select_for_update().filter(symbol=symbol).first()
        if row is None:
            raise ApplyError(f"there are no trading settings for {symbol}: run `manage.py seed` first")
        for name, value in values.items():
            setattr(row, name, value)
        try:
            row.full_clean()
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise ApplyError(f"{symbol}: {problems}") from None
        row.save(update_fields=list(params.FIELDS))
    settings_text = ", ".join(f"{name}={_plain(values[name])}" for name in params.FIELDS)
    return (
        f"{symbol}'s trading settings are now those of trial {trial.number} of study {trial.study.study_name}: "
        f"{settings_text}. {apply_now('the change')}"
    )


def _plain(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)
