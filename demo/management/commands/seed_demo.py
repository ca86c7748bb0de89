"""python manage.py seed_demo [--scale large] [--seed N] [--reset]"""

from django.core.management.base import BaseCommand

from demo.generator import seed_council
from demo.scale import SCALES


class Command(BaseCommand):
    help = (
        "Create the demo council, its partner and one user per role (idempotent). "
        "--scale large builds the benchmark council; --reset rebuilds from scratch."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=2025, help="Random seed (default 2025).")
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo.")

    def handle(self, *args, scale: str, seed: int, reset: bool, **options) -> None:
        report = seed_council(
            scale=SCALES[scale],
            seed=seed,
            reset=reset,
            log=lambda message: self.stdout.write(message),
        )
        if not report.created:
            self.stdout.write(
                "The demo council already exists: nothing changed (use --reset to rebuild it)."
            )
        for name, count in report.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        summary = f"Demo council ({report.scale}, seed {report.seed})"
        self.stdout.write(self.style.SUCCESS(f"{summary} ready in {report.seconds:.1f} s."))
