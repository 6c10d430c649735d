"""manage.py apply_parameters: copy a study's best (or a chosen) trial's settings into a symbol's trading settings."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tuning.apply import ApplyError, apply_trial, chosen_trial
from tuning.storage import require_migrated


class Command(BaseCommand):
    help = (
        "Copy the settings of STUDY's best trial (or --trial N) into SYMBOL's trading settings, checked as the "
        "admin checks them. Only a completed trial within the study's limits can be copied."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("study", help="the study's name, as optimise printed it")
        parser.add_argument("symbol", help="the symbol whose trading settings change, for example XRPUSDT")
        parser.add_argument("--trial", type=int, metavar="N", help="this trial instead of the best one")
        parser.add_argument("--any-symbol", action="store_true", help="allow a symbol other than the study's")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        try:
            trial = chosen_trial(options["study"], options["trial"])
            self.stdout.write(apply_trial(trial, options["symbol"], any_symbol=options["any_symbol"]))
        except ApplyError as error:
            raise CommandError(str(error)) from None
