"""Replay a labelled review through the ranking: WSS, recall at 10 %, ATD, stopping points, recall curve."""

import json

from django.core.management.base import BaseCommand, CommandError

from screening.ranking.model import MODELS, ModelSpec
from screening.ranking.simulate import curve_figure, read_labelled_csv, simulate


class Command(BaseCommand):
    help = (
        "Simulate prioritised screening on a labelled CSV (title, abstract, label_included or included): "
        "WSS@95, WSS@100, recall after 10 % screened, RRF@10, ATD, stopping points and the recall curve."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="labelled CSV file")
        parser.add_argument("--seed", type=int, default=0, help="chooses the 1 relevant + 1 irrelevant prior")
        parser.add_argument("--model", choices=MODELS, default=ModelSpec().name)
        parser.add_argument("--batch", type=int, default=1, help="retrain after every k labels (default 1)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--curve-png", metavar="FILE", help="write the recall curve as PNG")
        parser.add_argument("--curve-svg", metavar="FILE", help="write the recall curve as SVG")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        try:
            data = read_labelled_csv(options["csv"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        result = simulate(
            data, seed=options["seed"], model=ModelSpec(options["model"]), batch=options["batch"]
        )
        summary = {**result.summary(), "stopping": result.stopping()}
        x, y = result.curve()
        summary["recall_curve"] = {"screened": [round(v, 5) for v in x], "recall": [round(v, 5) for v in y]}
        for key, fmt in (("curve_png", "png"), ("curve_svg", "svg")):
            if options[key]:
                curve_figure([result], options[key], fmt)
        self.stdout.write(json.dumps(summary) if options["json"] else self._text(summary))

    @staticmethod
    def _text(s: dict) -> str:
        hyper = s["stopping"]["hypergeometric"]
        stop = (
            f"stops after {hyper['stopped_after']} records ({hyper['screened_pct']} %) "
            f"at recall {hyper['recall']} %"
            if hyper["stopped_after"]
            else "never rejects"
        )
        return (
            f"{s['dataset']}: {s['n_records']} records, {s['n_relevant']} relevant, model {s['model']}, "
            f"seed {s['seed']}\n"
            f"WSS@95 {s['wss95']} %  WSS@100 {s['wss100']} %  recall@10% {s['recall_at_10pct']} %  "
            f"ATD {s['atd']} %  ({s['seconds']} s, {s['trainings']} trainings)\n"
            f"Hypergeometric test (95 % recall, 95 % confidence): {stop}"
        )
