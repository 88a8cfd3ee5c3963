"""`python -m bench.dispatch`: the dispatch model's training time and suggestion latency.

1. Pin the process to one CPU core (sched_setaffinity) and numpy's BLAS to one thread,
   so the figures are one core's, as the targets say.
2. Generate N requests (`--examples`, default 100,000) with luoshi.citizens.corpus
   (categories and final units as an office's history has them) and time the model's
   fit on them: features, both heads (category, unit), calibration — what
   `luoshi dispatch train` does after reading the history.
3. Time `Bundle.top` (the model's part of a suggestion) one held-out text at a time,
   as intake does; report mean, median, p95 and p99.
4. End to end: migrate a temporary SQLite database, record the model (store.save,
   joblib + SHA-256), and time `suggest(text)` — the model plus the two lookups of
   category and unit names — the same way.
5. Print a markdown section and append it, with the machine and the command, to
   docs/benchmarks.md (unless --no-docs).

Targets (issue 11): a suggestion under 5 ms on one core; training on 100,000 requests
under 60 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGETS = {"suggest_ms": 5.0, "train_seconds": 60.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=2000, help="texts timed one by one")
    parser.add_argument("--jieba", action="store_true", help="add jieba words to the n-grams")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    folder = tempfile.mkdtemp(prefix="luoshi-dispatch-bench-")
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ["LUOSHI_DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["LUOSHI_DISPATCH_MODEL_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "luoshi.settings"
    import django

    django.setup()
    result = run(args)
    section = report(args, result)
    print(section)
    if not args.no_docs:
        with DOCS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + section)
    return 0


def run(args) -> dict:
    from luoshi.citizens import corpus
    from luoshi.citizens.dispatch import model

    started = time.perf_counter()
    examples = corpus.generate(args.examples, seed=1)
    probes = [e.text for e in corpus.generate(args.probes, seed=2)]
    generated = time.perf_counter() - started
    texts = [e.text for e in examples]
    started, cpu = time.perf_counter(), time.process_time()
    bundle = model.fit(
        texts,
        {"category": [e.category for e in examples], "unit": [e.unit for e in examples]},
        words=args.jieba,
    )
    trained, trained_cpu = time.perf_counter() - started, time.process_time() - cpu
    model_ms = timed(bundle.top, probes)
    suggest_ms = end_to_end(bundle, examples, probes)
    return {
        "generated": generated,
        "trained": trained,
        "trained_cpu": trained_cpu,
        "model_ms": model_ms,
        "suggest_ms": suggest_ms,
        "classes": {k: len(h.labels) for k, h in bundle.heads.items()},
        "features": len(bundle.vectorizer.get_feature_names_out())
        if hasattr(bundle.vectorizer, "get_feature_names_out")
        else 0,
    }


def timed(function, texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds per call: wall clock, and CPU time of this process (which other
    processes sharing the core do not inflate)."""
    function(texts[0])  # warm: first call loads what it needs
    wall, cpu = [], []
    for text in texts:
        started, used = time.perf_counter(), time.process_time()
        function(text)
        cpu.append((time.process_time() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {"wall": wall, "cpu": cpu}


def end_to_end(bundle, examples, probes: list[str]) -> dict[str, list[float]]:
    """suggest() against a migrated SQLite database holding the categories and units."""
    from django.core.management import call_command

    from luoshi.citizens.dispatch import store
    from luoshi.citizens.dispatch.suggest import suggest
    from luoshi.citizens.models import Category
    from luoshi.org.models import Unit, UnitKind

    call_command("migrate", verbosity=0)
    city = Unit.objects.create(name="示例市", kind=UnitKind.CITY)
    ids = {}
    for name in sorted({e.unit for e in examples}):
        ids[name] = Unit.objects.create(name=name, kind=UnitKind.DEPARTMENT, parent=city).pk
    categories = {}
    for i, name in enumerate(sorted({e.category for e in examples})):
        categories[name] = Category.objects.create(code=f"c{i}", name=name).pk
    import numpy

    for head, mapping in (("unit", ids), ("category", categories)):
        h = bundle.heads[head]  # trained on names; suggest() reads ids
        h.labels = numpy.array([mapping[str(label)] for label in h.labels])
    store.save(bundle, seconds=0)
    return timed(suggest, probes)


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "mean": statistics.fmean(ordered),
        "p50": ordered[len(ordered) // 2],
        "p95": ordered[int(len(ordered) * 0.95)],
        "p99": ordered[int(len(ordered) * 0.99)],
    }


def report(args, result: dict) -> str:
    import numpy
    import sklearn

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    ok_train = "✓" if result["trained_cpu"] < TARGETS["train_seconds"] else "✗"
    cpu = summary(result["suggest_ms"]["cpu"])
    ok_suggest = "✓" if cpu["p95"] < TARGETS["suggest_ms"] else "✗"

    def row(name: str, times: dict[str, list[float]], target: str = "") -> list[str]:
        out = []
        for clock in ("cpu", "wall"):
            f = summary(times[clock])
            out.append(
                f"| {name}, {clock} | {f['mean']:.2f} / {f['p50']:.2f} / {f['p95']:.2f} / "
                f"{f['p99']:.2f} ms | {target if clock == 'cpu' else ''} |"
            )
        return out

    lines = [
        f"## {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC: dispatch model, "
        f"{args.examples:,} requests{' + jieba' if args.jieba else ''}",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(pinned to 1), Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"numpy {numpy.__version__}; load average {load:.1f} at the end (the core is shared: "
        "CPU time is this process's own, wall time includes waiting for the core). "
        f"Command: `python -m bench.dispatch {' '.join(sys.argv[1:])}`.",
        f"Classes: {result['classes']}; features: {result['features']:,}.",
        "",
        "| measure (mean / p50 / p95 / p99) | value | target |",
        "|---|---|---|",
        f"| training on {args.examples:,} requests (features, 2 heads, calibration), CPU "
        f"| {result['trained_cpu']:.1f} s | < 60 s {ok_train} |",
        f"| the same, wall | {result['trained']:.1f} s | |",
        *row(f"model only (`Bundle.top`), {args.probes} texts one by one", result["model_ms"]),
        *row(
            "`suggest()` end to end (model + name lookups, SQLite)",
            result["suggest_ms"],
            f"p95 < 5 ms {ok_suggest}",
        ),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
