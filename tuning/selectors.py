"""What other apps read about the searches: the latest studies, in a line each."""

from dataclasses import dataclass

from tuning.models import Study
from tuning.results import best_of, counts, pnl


@dataclass(frozen=True)
class StudyLine:
    """A study as the desk lists it."""

    study_id: int
    name: str
    symbol: str
    finished: int
    planned: int | str
    failed: int
    best_number: int | None
    best_objective: str
    best_pnl: str
    best_settings: str


def latest_studies(limit: int = 5) -> list[StudyLine]:
    """The ``limit`` newest studies with their progress and best trial (figures as text, money in ``f`` format)."""
    studies = Study.objects.prefetch_related("attributes").order_by("-study_id")[:limit]
    return [_line(study) for study in studies]


def _line(study: Study) -> StudyLine:
    records = study.records
    tally, best = counts(records), best_of(records)
    return StudyLine(
        study_id=study.pk,
        name=study.study_name,
        symbol=study.symbol,
        finished=len(records) - tally["running"],
        planned=study.config.get("trials", "?"),
        failed=tally["failed"],
        best_number=None if best is None else best.number,
        best_objective="" if best is None else f"{best.value:,.4f}",
        best_pnl="" if best is None else str(pnl(best.figures) or ""),
        best_settings="" if best is None else ", ".join(f"{knob} {value}" for knob, value in best.settings.items()),
    )
