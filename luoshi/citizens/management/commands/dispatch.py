"""`luoshi dispatch`: train, evaluate and feed the dispatch model.

    luoshi dispatch train [--enqueue | --every SECONDS] [--jieba]
    luoshi dispatch evaluate [--folds 5] [--jieba]
    luoshi dispatch evaluate --file past.xlsx --text-column 诉求内容 --label-column 承办单位
    luoshi dispatch import-history --file past.xlsx --text-column 诉求内容 \
        --unit-column 承办单位 [--category-column 类别] [--date-column 受理时间] [--skip-invalid]

`evaluate --file` judges the model on an office's own exported history (Excel or
CSV, any column names) before it is switched on; it loads nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.lib.errors import DomainError
from luoshi.org.models import Unit

from ...dispatch import evaluate, history, training
from ...dispatch.tasks import train_dispatch_model
from ...models import Category


class Command(BaseCommand):
    help = "Train, evaluate and feed the dispatch model (see `luoshi dispatch <action> -h`)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        train = actions.add_parser("train", help="Train on the platform's history.")
        train.add_argument("--enqueue", action="store_true", help="Queue it for the worker.")
        train.add_argument("--every", type=float, metavar="SECONDS", help="Train again every …")
        train.add_argument("--jieba", action="store_true", help="Add jieba words to the n-grams.")
        check = actions.add_parser("evaluate", help="k-fold cross-validation.")
        check.add_argument("--folds", type=int, default=5)
        check.add_argument("--file", help="An exported history (.xlsx or .csv).")
        check.add_argument("--text-column", help="The column with the request's text.")
        check.add_argument("--label-column", help="The column with its unit (or category).")
        check.add_argument("--jieba", action="store_true")
        load = actions.add_parser("import-history", help="Load an exported history.")
        load.add_argument("--file", required=True)
        load.add_argument("--text-column", required=True)
        load.add_argument("--unit-column", default="")
        load.add_argument("--category-column", default="")
        load.add_argument("--date-column", default="")
        load.add_argument("--skip-invalid", action="store_true", help="Load the valid rows only.")

    def handle(self, *args, action: str, **options) -> None:
        try:
            {"train": self.train, "evaluate": self.evaluate, "import-history": self.load}[action](
                **options
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        except ValueError as error:
            raise CommandError(str(error)) from error

    # -- train --------------------------------------------------------------------------

    def train(self, *, enqueue: bool, every: float | None, jieba: bool, **_options) -> None:
        if enqueue:
            result = train_dispatch_model.enqueue()
            self.stdout.write(_("Queued the training (task %(id)s).") % {"id": result.id})
            return
        if every is not None and every <= 0:
            raise CommandError(_("--every must be a positive number of seconds."))
        while True:
            row = training.train(words=jieba or None)
            self.stdout.write(
                _("Trained on %(n)s requests in %(s).1f s: %(c)s categories, %(u)s units.")
                % {"n": row.examples, "s": row.seconds, "c": row.categories, "u": row.units}
            )
            if every is None:
                return
            time.sleep(every)

    # -- evaluate -----------------------------------------------------------------------

    def evaluate(self, *, folds: int, file: str | None, jieba: bool, **options) -> None:
        if folds < 2:
            raise CommandError(_("--folds must be 2 or more."))
        if file:
            text_column, label_column = options.get("text_column"), options.get("label_column")
            if not (text_column and label_column):
                raise CommandError(_("With --file, name --text-column and --label-column."))
            texts, labels, skipped = history.labelled(Path(file), text_column, label_column)
            self.stdout.write(
                _("%(file)s: %(n)s rows with text and label (%(skipped)s skipped).")
                % {"file": file, "n": len(texts), "skipped": skipped}
            )
            self.report(
                label_column,
                evaluate.cross_validate(texts, labels, folds=folds, words=jieba or None),
            )
            return
        examples = history.platform_history()
        self.stdout.write(_("The platform's history: %(n)s requests.") % {"n": len(examples)})
        names = {
            "category": dict(Category.objects.values_list("pk", "name")),
            "unit": dict(Unit.objects.values_list("pk", "name")),
        }
        for head, labels in (("category", examples.categories), ("unit", examples.units)):
            rows = [i for i, label in enumerate(labels) if label is not None]
            named = [names[head].get(labels[i], str(labels[i])) for i in rows]
            result = evaluate.cross_validate(
                [examples.texts[i] for i in rows], named, folds=folds, words=jieba or None
            )
            self.report(_("category") if head == "category" else _("unit"), result)

    def report(self, what: str, result: evaluate.Evaluation) -> None:
        out = self.stdout.write
        out("")
        out(
            _("== %(what)s: %(n)s examples, %(k)s-fold cross-validation")
            % {"what": what, "n": result.examples, "k": result.folds}
        )
        out(_("accuracy        %(v).3f") % {"v": result.accuracy})
        out(_("macro-F1        %(v).3f") % {"v": result.macro_f1})
        out(_("top-3 accuracy  %(v).3f") % {"v": result.top3})
        out(_("per suggestion  %(v).2f ms") % {"v": result.ms_per_suggestion})
        out(_("F1 per class:"))
        width = max((len(k) for k in result.per_class), default=4)
        for label, (f1, support) in sorted(result.per_class.items(), key=lambda kv: -kv[1][1]):
            out(f"  {label:<{width}}  {f1:.3f}  ({support})")
        if result.dropped:
            out(
                _("Left out (too few examples): %(labels)s")
                % {"labels": "、".join(result.dropped[:20])}
            )

    # -- import -------------------------------------------------------------------------

    def load(self, *, file: str, skip_invalid: bool, **options) -> None:
        result = history.import_history(
            Path(file),
            text_column=options["text_column"],
            unit_column=options["unit_column"],
            category_column=options["category_column"],
            date_column=options["date_column"],
            skip_invalid=skip_invalid,
        )
        for line in result.errors[:20]:
            self.stderr.write(line)
        if len(result.errors) > 20:
            self.stderr.write(_("… and %(n)s more rows.") % {"n": len(result.errors) - 20})
        if result.errors and not skip_invalid:
            raise CommandError(
                _("Nothing was imported: %(n)s row(s) are wrong (--skip-invalid loads the rest).")
                % {"n": len(result.errors)}
            )
        self.stdout.write(
            _("Imported %(n)s past dispatches (%(skipped)s rows without text or label skipped).")
            % {"n": result.imported, "skipped": result.skipped}
        )
