"""Evaluate the early-warning rules: the latest closed month, one month, or every month."""

from django.core.management.base import BaseCommand, CommandError

from departments.periods import Period, PeriodKind
from reporting.warnings.evaluation import evaluate, evaluate_history, evaluate_latest


class Command(BaseCommand):
    help = (
        "Evaluate the early-warning rules and record what fires, once per rule, subject "
        "and starting period. Without options: the latest closed month."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--all", action="store_true", help="every month from the first with data"
        )
        which.add_argument("--period", help="one month, e.g. 2025-26-P06")
        parser.add_argument(
            "--no-email", action="store_true", help="record warnings without emailing the SMT"
        )

    def handle(self, *args, **options):
        notify = not options["no_email"]
        if options["all"]:
            result = evaluate_history(notify=notify)
        elif options["period"]:
            try:
                month = Period.parse(options["period"])
            except ValueError as error:
                raise CommandError(f"--period: {error}") from error
            if month.kind != PeriodKind.MONTH:
                raise CommandError(f"--period: {month.key} is not a month, e.g. 2025-26-P06")
            result = evaluate([month], notify=notify)
        else:
            result = evaluate_latest(notify=notify)
        summary = result.as_dict()
        self.stdout.write(
            f"Evaluated {len(summary['periods'])} month(s): {summary['raised']} warning(s) "
            f"raised, {summary['updated']} brought up to date, {summary['unchanged']} already "
            f"recorded, {summary['resolved']} resolved by the data; {summary['emailed']} SMT "
            "member(s) emailed."
        )
