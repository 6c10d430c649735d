"""A study gets exactly the trials it asked for, even when many workers ask for the last one at once."""

import threading
from decimal import Decimal

import optuna
import pytest

from tuning import search
from tuning.config import SearchConfig, SourceSpec
from tuning.objectives import Objective
from tuning.ranges import KNOBS, Range
from tuning.storage import study_storage
from tuning.tests.support import study_name
from tuning.trial_limit import MAX_TRIALS, StudyFull
from tuning.walk_forward import Window

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def new_study(storage: optuna.storages.RDBStorage, limit: int | None) -> optuna.Study:
    study = optuna.create_study(storage=storage, study_name=study_name("limit"))
    if limit is not None:
        study.set_user_attr(MAX_TRIALS, limit)
    return study


@pytest.mark.parametrize(("limit", "asks", "made"), [(1, 3, 1), (3, 3, 3), (3, 5, 3), (None, 4, 4)])
def test_a_study_refuses_trials_past_its_limit(limit, asks, made):
    with study_storage(heartbeat=False) as storage:
        study = new_study(storage, limit)
        refused = 0
        for _ in range(asks):
            try:
                study.ask()
            except StudyFull:
                refused += 1
        assert [trial.number for trial in study.get_trials(deepcopy=False)] == list(range(made))
        assert refused == asks - made


def test_eight_workers_asking_at_once_make_exactly_the_limit():
    workers, limit = 8, 3
    with study_storage(heartbeat=False) as storage:
        study = new_study(storage, limit)
        start = threading.Barrier(workers)
        outcomes: list[str] = []

        def ask() -> None:
            # Each thread has a connection of its own (Optuna's sessions are per thread).
            start.wait(timeout=30)
            try:
                storage.create_new_trial(study._study_id)
                outcomes.append("made")
            except StudyFull:
                outcomes.append("full")

        threads = [threading.Thread(target=ask) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a worker still waits for the study's lock"
        assert sorted(outcomes) == ["full"] * (workers - limit) + ["made"] * limit
        assert len(study.get_trials(deepcopy=False)) == limit


def test_a_study_made_before_the_limit_gets_it_when_joined():
    config = SearchConfig(
        symbol="XRPUSDT",
        source=SourceSpec(path="/data/XRPUSDT.csv"),
        tuning=Window(1, 10),
        testing=None,
        ranges={knob: Range(knob, Decimal("1"), Decimal("2"), Decimal("1")) for knob in KNOBS},
        objective=Objective("pnl"),
        trials=2,
        baseline={"chunks": "5"},
        seed=7,
    )
    with study_storage(heartbeat=False) as storage:
        old = new_study(storage, None)
        old.set_user_attr("config", config.to_json())
        joined, _ = search.load_study(storage, old.study_name, seed=1)
        assert joined.user_attrs[MAX_TRIALS] == 2
        joined.ask(), joined.ask()
        with pytest.raises(StudyFull):
            joined.ask()
