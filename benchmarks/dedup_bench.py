"""Benchmark reviewapp.dedup on the labelled sets of Hair et al. 2023 as packaged by bib-dedupe.

    .venv/bin/python benchmarks/dedup_bench.py                 # all four sets
    .venv/bin/python benchmarks/dedup_bench.py --quick         # skip depression (79,880 records)
    .venv/bin/python benchmarks/dedup_bench.py --sets cardiac --json --explain 20

Metrics (record level, as bib-dedupe's ``compare_dedupe_id`` and ASySD count them): merging the
auto pairs keeps one record per predicted cluster. A positive is a record removed as a duplicate.
For each true duplicate cluster one record must stay: every extra kept member is a FN, every
removed member a TP; if the whole cluster vanished into another one, that costs one FP. A true
unique record that was removed is a FP, kept it is a TN. Pair level: an auto pair whose records are
not in the same true cluster is a false positive pair (must be 0).

Each set runs in a fresh process so that its peak RSS (getrusage) is its own.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import json
import math
import multiprocessing
import random
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviewapp.dedup import (  # noqa: E402
    AUTO,
    REVIEW,
    DedupRecord,
    Thresholds,
    clusters,
    compare_all,
    decide_all,
    find_duplicates,
)
from reviewapp.dedup.decide import DEFAULT as DEFAULT_THRESHOLDS  # noqa: E402
from reviewapp.dedup.text import _JOURNAL_TAIL, normalise_doi  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "dedup" / "bib-dedupe"
DATA = Path(__file__).resolve().parent / ".data"
WHEEL_VERSION = "0.7.2"
DEPRESSION = DATA / "bib_dedupe" / "data" / "depression"
DEPRESSION_MEMBER = "bib_dedupe/data/depression/"
DEPRESSION_FILES = ("merged_record_ids.csv", "records_pre_merged_part1.csv", "records_pre_merged_part2.csv")
# The only labelled sets this project may read: the wheel's other sets are held out for acceptance.
SETS = ("diabetes", "neuroimaging", "cardiac", "depression", "special_cases")
# bib-dedupe 0.7.2's published record-level sensitivity on these sets (output/current_results.md).
ANCHOR_SENSITIVITY = {
    "diabetes": 1.0, "neuroimaging": 0.9946, "cardiac": 0.9966, "depression": 0.9913, "special_cases": 1.0,
}  # fmt: skip
QUEUE_LIMIT = 0.01  # review pairs as a share of records

# --- loading ----------------------------------------------------------------------------------

# "Adeli K.Lewis G. F." and "RawatA.K.LundquistF.": a family name, then initials each with a dot.
_AUTHOR_CHUNK = re.compile(r"\s*(?P<family>[^.]+?)\s*(?P<initials>(?:[A-Z][a-z]?\.[\s-]*)+)(?=[A-Z]|$)")
_PUBMED_URL = re.compile(r"ncbi\.nlm\.nih\.gov/pubmed/(\d+)|[?&]pmid=(\d+)", re.IGNORECASE)
_DOI_IN_URL = re.compile(r"(?:doi\.org/|[?&]doi=)(10\.\d{4,9}(?:/|%2f)[^&#\s]+)", re.IGNORECASE)


def split_authors(value: str) -> tuple[str, ...]:
    """Author list as "Family, I." strings from the formats found in these CSV exports."""
    value = value.strip()
    if not value or value.lower() == "anonymous":
        return ()
    if " and " in value or ";" in value:
        return tuple(part.strip() for part in re.split(r"\s+and\s+|;", value) if part.strip())
    names, end = [], 0
    for match in _AUTHOR_CHUNK.finditer(value):
        names.append(f"{match.group('family').strip()}, {match.group('initials').strip()}")
        end = match.end()
    rest = value[end:].strip()
    if re.search(r"[A-Za-z]{2}", rest) and rest.lower() not in ("jr", "jr.", "sr", "sr."):
        names.append(rest)  # a name without initials, e.g. "Prakh'e IB" or a truncated list
    return tuple(names)


def _pmid(url: str) -> str:
    match = _PUBMED_URL.search(url)
    return (match.group(1) or match.group(2)) if match else ""


def _doi(row: dict[str, str]) -> str:
    found = normalise_doi(row.get("doi") or "")
    if found:
        return found
    match = _DOI_IN_URL.search(row.get("url") or "")
    return normalise_doi(match.group(1)) if match else ""


def _year(value: str) -> int | None:
    match = re.search(r"\d{4}", value or "")
    return int(match.group(0)) if match else None


def _row_to_record(row: dict[str, str]) -> DedupRecord:
    return DedupRecord(
        id=row["ID"],
        title=row.get("title") or "",
        authors=split_authors(row.get("author") or ""),
        year=_year(row.get("year") or ""),
        journal=row.get("journal") or row.get("booktitle") or "",
        volume=row.get("volume") or "",
        issue=row.get("number") or row.get("issue") or "",
        pages=row.get("pages") or "",
        doi=_doi(row),
        pmid=_pmid(row.get("url") or ""),
        abstract=row.get("abstract") or "",
    )


def load_bib_dedupe_csv(path: str | Path) -> list[DedupRecord]:
    """Records of a bib-dedupe ``records_pre_merged.csv`` (or its ``_part1``/``_part2`` halves)."""
    path = Path(path)
    parts = [path] if path.is_file() else sorted(path.parent.glob(path.stem + "_part*.csv"))
    if not parts:
        raise FileNotFoundError(path)
    csv.field_size_limit(sys.maxsize)
    records = []
    for part in parts:
        with part.open(encoding="utf-8", newline="") as handle:
            records.extend(_row_to_record(row) for row in csv.DictReader(handle))
    return records


def load_true_clusters(path: str | Path) -> list[list[str]]:
    """Rows of ``merged_record_ids.csv``: the ids of one true duplicate cluster each."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def set_dir(name: str) -> Path:
    if name == "depression":
        ensure_depression()
        return DEPRESSION
    return SHARED / name


def ensure_depression() -> None:
    """Fetch the depression set from the bib-dedupe wheel on PyPI unless it is already unpacked."""
    if (DEPRESSION / "merged_record_ids.csv").is_file():
        return
    DATA.mkdir(parents=True, exist_ok=True)
    wheel = DATA / f"bib_dedupe-{WHEEL_VERSION}-py3-none-any.whl"
    if not wheel.is_file():
        pip = [sys.executable, "-m", "pip", "download", f"bib-dedupe=={WHEEL_VERSION}", "--no-deps", "-d"]
        subprocess.run([*pip, str(DATA)], check=True)
    # Only the depression files are read, by name: the wheel's other labelled sets are held out
    # for acceptance and must never be opened, listed or unpacked here.
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(DATA, members=[DEPRESSION_MEMBER + name for name in DEPRESSION_FILES])


# --- scoring ----------------------------------------------------------------------------------


def evaluate(ids: list[str], true_clusters: list[list[str]], auto_pairs: list[tuple[str, str]]) -> dict:
    """Record-level TP/FP/FN/TN (bib-dedupe's definition) plus pair-level false positives."""
    counts = _record_counts(ids, true_clusters, clusters(auto_pairs))
    cluster_of = {rid: n for n, members in enumerate(true_clusters) for rid in members}
    pair_fp = [(a, b) for a, b in auto_pairs if cluster_of.get(a, a) != cluster_of.get(b, b)]
    return {
        **counts,
        "sensitivity": counts["TP"] / max(counts["TP"] + counts["FN"], 1),
        "specificity": counts["TN"] / max(counts["TN"] + counts["FP"], 1),
        "pair_fp": len(pair_fp),
        "pair_fp_examples": pair_fp[:20],
        "pair_sensitivity": _pair_sensitivity(true_clusters, auto_pairs),
    }


def _record_counts(ids: list[str], true_clusters: list[list[str]], merged: list[set]) -> dict[str, int]:
    """Merging keeps one record per predicted group; count what was removed against the truth."""
    removed = {rid for group in merged for rid in sorted(group)[1:]}
    in_cluster = {rid for members in true_clusters for rid in members}
    counts = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for rid in ids:
        if rid not in in_cluster:
            counts["FP" if rid in removed else "TN"] += 1
    for members in true_clusters:
        kept = sum(1 for rid in members if rid not in removed)
        counts["TN" if kept else "FP"] += 1  # one member must stay; a vanished cluster is a FP
        counts["FN"] += max(kept - 1, 0)
        counts["TP"] += len(members) - max(kept, 1)
    return counts


def _pair_sensitivity(true_clusters: list[list[str]], auto_pairs: list[tuple[str, str]]) -> float:
    """Share of true duplicate pairs whose two records end in one merged group."""
    group_of = {rid: n for n, group in enumerate(clusters(auto_pairs)) for rid in group}
    pairs = [(x, y) for members in true_clusters for i, x in enumerate(members) for y in members[i + 1 :]]
    linked = sum(1 for x, y in pairs if x in group_of and group_of[x] == group_of.get(y))
    return linked / max(len(pairs), 1)


def run_set(name: str, explain: int = 0) -> dict:
    """Load, deduplicate and score one set; runs inside its own process."""
    folder = set_dir(name)
    start = time.perf_counter()
    records = load_bib_dedupe_csv(folder / "records_pre_merged.csv")
    true_clusters = load_true_clusters(folder / "merged_record_ids.csv")
    loaded, cpu = time.perf_counter(), time.process_time()
    candidates = find_duplicates(records)
    auto_pairs = [(c.a, c.b) for c in candidates if c.decision == AUTO]
    clusters(auto_pairs)
    done, cpu = time.perf_counter(), time.process_time() - cpu
    review = [c for c in candidates if c.decision == REVIEW]
    result = {
        "set": name,
        "records": len(records),
        "true_duplicates": sum(len(members) - 1 for members in true_clusters),
        **evaluate([str(r.id) for r in records], true_clusters, auto_pairs),
        "auto_pairs": len(auto_pairs),
        "review_pairs": len(review),
        "review_pct": 100 * len(review) / max(len(records), 1),
        "review_true_pairs": _true_review_pairs(review, true_clusters),
        "load_s": round(loaded - start, 2),
        "dedup_s": round(done - loaded, 2),
        "dedup_cpu_s": round(cpu, 2),  # beside the wall time: on a shared machine only this is comparable
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "anchor_sensitivity": ANCHOR_SENSITIVITY[name],
    }
    if explain:
        result["explain"] = _explain(records, true_clusters, candidates, auto_pairs, explain)
    return result


def _true_review_pairs(review: list, true_clusters: list[list[str]]) -> int:
    cluster_of = {rid: n for n, members in enumerate(true_clusters) for rid in members}
    return sum(1 for c in review if c.a in cluster_of and cluster_of[c.a] == cluster_of.get(c.b))


def _explain(records, true_clusters, candidates, auto_pairs, limit: int) -> dict:
    """False-positive pairs and missed clusters, with the records, for tuning by eye."""
    by_id = {str(r.id): r for r in records}
    merged = {frozenset(group) for group in clusters(auto_pairs)}
    found = {(c.a, c.b): c for c in candidates}
    cluster_of = {rid: n for n, members in enumerate(true_clusters) for rid in members}

    def show(rid: str) -> str:
        r = by_id[rid]
        fields = (
            rid,
            r.year,
            "; ".join(r.authors[:3])[:40],
            r.title[:110],
            r.journal[:40],
            r.volume,
            r.issue,
        )
        return " | ".join(map(str, (*fields, r.pages, r.doi)))

    false_pairs = [(a, b) for a, b in auto_pairs if cluster_of.get(a, a) != cluster_of.get(b, b)]
    missed = []
    for members in true_clusters:
        groups = {frozenset(g) for g in merged if g & set(members)}
        covered = set().union(*groups) if groups else set()
        if len(groups) != 1 or not set(members) <= covered:
            ordered = sorted(members)
            pairs = [found.get((x, y)) for i, x in enumerate(ordered) for y in ordered[i + 1 :]]
            missed.append(
                {
                    "records": [show(rid) for rid in members],
                    "pairs": [
                        f"{c.a}-{c.b} {c.decision} {c.score} {c.reasons} {c.guard}" for c in pairs if c
                    ],
                }
            )
    return {
        "false_positive_pairs": [
            {"records": [show(a), show(b)], "reasons": found[(a, b)].reasons} for a, b in false_pairs[:limit]
        ],
        "missed_clusters": missed[:limit],
        "missed_total": len(missed),
    }


# --- leave-one-set-out threshold choice -------------------------------------------------------

# The grid of the tunable thresholds (reviewapp.dedup.decide.Thresholds). The guards (identifier
# conflicts, generic titles, title kinds) are rules, not numbers, and are never tuned. The review
# score only sizes the queue, so it is not tuned either (choosing it on FP/sensitivity would just
# empty the queue).
GRID = tuple(
    Thresholds(auto_title=auto, close_title=close, min_support=support)
    for auto in (0.93, 0.95, 0.97)
    for close in (0.80, 0.85, 0.90)
    for support in (2, 3, 4)
)


def grid_scores(name: str, stressed: bool = False) -> list[dict]:
    """Counts for every grid point on one set (or its stress variant); the pairs are compared once
    and decided per point."""
    folder = set_dir(name)
    records = load_bib_dedupe_csv(folder / "records_pre_merged.csv")
    if stressed:
        records = perturb(records, seed=name)
    true_clusters = load_true_clusters(folder / "merged_record_ids.csv")
    ids = [str(r.id) for r in records]
    compared = compare_all(records)
    rows = []
    for thresholds in GRID:
        candidates = decide_all(compared, thresholds)
        auto_pairs = [(c.a, c.b) for c in candidates if c.decision == AUTO]
        scored = evaluate(ids, true_clusters, auto_pairs)
        rows.append(
            {
                "TP": scored["TP"], "FN": scored["FN"], "FP": scored["FP"], "pair_fp": scored["pair_fp"],
                "review_pairs": sum(1 for c in candidates if c.decision == REVIEW), "records": len(records),
            }
        )  # fmt: skip
    return rows


def choose(grids: dict[str, list[dict]], training: list[str]) -> int:
    """The grid point for these training sets.

    First no false merge and a queue within the limit on every training set; among those, the
    strictest point whose pooled sensitivity is within one standard error of the best (the
    "one-standard-error rule": a looser rule must buy more sensitivity than the sets can measure,
    since on unseen data its extra merges are where false merges come from); then the smaller queue.
    """

    def totals(point: int) -> tuple[int, int, float, int]:
        rows = [grids[name][point] for name in training]
        fp = sum(r["pair_fp"] + r["FP"] for r in rows)
        over_queue = sum(r["review_pairs"] > QUEUE_LIMIT * r["records"] for r in rows)
        tp, fn = sum(r["TP"] for r in rows), sum(r["FN"] for r in rows)
        return fp, over_queue, tp / max(tp + fn, 1), sum(r["review_pairs"] for r in rows)

    scored = {point: totals(point) for point in range(len(GRID))}
    safest = min((fp, over) for fp, over, _, _ in scored.values())
    safe = [point for point, (fp, over, _, _) in scored.items() if (fp, over) == safest]
    best = max(safe, key=lambda point: scored[point][2])
    rows = [grids[name][best] for name in training]
    found = sum(r["TP"] + r["FN"] for r in rows)
    p = scored[best][2]
    standard_error = math.sqrt(p * (1 - p) / max(found, 1))
    near = [point for point in safe if scored[point][2] >= p - standard_error]
    return max(near, key=lambda point: (_strictness(GRID[point]), -scored[point][3]))


def _strictness(t: Thresholds) -> int:
    values = [
        sorted({getattr(g, name) for g in GRID}) for name in ("auto_title", "close_title", "min_support")
    ]
    return sum(
        v.index(getattr(t, name)) for v, name in zip(values, ("auto_title", "close_title", "min_support"))
    )


STRESSED = "~stress"  # key suffix of a set's perturbed variant in the grids


def loso(names: list[str], in_process: bool) -> dict:
    """Thresholds chosen on all sets but one, scored on the one left out; and the all-sets choice.

    The training data of a fold are the other sets *and* their stress variants (see ``perturb``),
    so that the thresholds are chosen on data as messy as unseen exports; the left-out set's own
    variant is never used to choose.
    """
    run = grid_scores if in_process else (lambda *a: _isolated(grid_scores, *a))
    grids = {}
    for name in names:
        grids[name] = run(name)
        grids[name + STRESSED] = run(name, True)
    default_point = GRID.index(DEFAULT_THRESHOLDS)
    folds = []
    for held_out in names:
        training = [key for n in names if n != held_out for key in (n, n + STRESSED)]
        point = choose(grids, training)
        row, hard = grids[held_out][point], grids[held_out + STRESSED][point]
        folds.append(
            {
                "set": held_out, "thresholds": _describe(GRID[point]), "point": point, "FP": row["FP"],
                "pair_fp": row["pair_fp"], "sensitivity": _sens(row),
                "default_sensitivity": _sens(grids[held_out][default_point]),
                "review_pairs": row["review_pairs"], "review_pct": 100 * row["review_pairs"] / row["records"],
                "stress_sensitivity": _sens(hard), "stress_pair_fp": hard["pair_fp"] + hard["FP"],
            }
        )  # fmt: skip
    pooled = [grids[f["set"]][f["point"]] for f in folds]
    tp, fn = sum(r["TP"] for r in pooled), sum(r["FN"] for r in pooled)
    everything = [key for n in names for key in (n, n + STRESSED)]
    return {
        "folds": folds,
        "pooled_sensitivity": tp / max(tp + fn, 1),
        "all_sets_choice": _describe(GRID[choose(grids, everything)]),
        "default": _describe(DEFAULT_THRESHOLDS),
        "grids": grids,
    }


def _sens(row: dict) -> float:
    return row["TP"] / max(row["TP"] + row["FN"], 1)


def _describe(t: Thresholds) -> str:
    return f"auto {t.auto_title:.2f} close {t.close_title:.2f} support {t.min_support}"


def print_loso(result: dict, out) -> None:
    print("\nLeave-one-set-out: thresholds chosen by grid search on the other sets (and their stress "
          "variants), scored on the set left out", file=out)  # fmt: skip
    print(f"{'held out':<14}{'chosen on the others':<36}{'FP':>4}{'pairFP':>7}{'sens':>8}{'(default)':>10}"
          f"{'queue':>6}{'queue%':>7}{'stress sens':>12}{'stress FP':>10}", file=out)  # fmt: skip
    for f in result["folds"]:
        print(f"{f['set']:<14}{f['thresholds']:<36}{f['FP']:>4}{f['pair_fp']:>7}{f['sensitivity']:>8.4f}"
              f"{f['default_sensitivity']:>10.4f}{f['review_pairs']:>6}{f['review_pct']:>7.2f}"
              f"{f['stress_sensitivity']:>12.4f}{f['stress_pair_fp']:>10}", file=out)  # fmt: skip
    print(f"pooled LOSO sensitivity {result['pooled_sensitivity']:.4f}; chosen on all sets: "
          f"{result['all_sets_choice']}; shipped default: {result['default']}", file=out)  # fmt: skip


# --- stress test: the seen sets made harder ------------------------------------------------------

# ISO 4 word abbreviations common in the health and computing literature; other long words are cut.
_ISO4 = {
    "journal": "J", "american": "Am", "international": "Int", "medicine": "Med", "medical": "Med",
    "research": "Res", "clinical": "Clin", "european": "Eur", "british": "Br", "annals": "Ann",
    "archives": "Arch", "society": "Soc", "association": "Assoc", "science": "Sci", "sciences": "Sci",
    "neurology": "Neurol", "cardiology": "Cardiol", "psychiatry": "Psychiatry", "psychology": "Psychol",
    "diabetes": "Diabetes", "heart": "Heart", "health": "Health", "information": "Inf", "systems": "Syst",
    "management": "Manag", "quarterly": "Q", "review": "Rev", "proceedings": "Proc", "national": "Natl",
    "academy": "Acad", "physiology": "Physiol", "biology": "Biol", "molecular": "Mol", "cellular": "Cell",
    "experimental": "Exp", "pharmacology": "Pharmacol", "therapeutics": "Ther", "surgery": "Surg",
    "services": "Serv", "policy": "Policy", "computing": "Comput", "technology": "Technol",
}  # fmt: skip
_STOP = {"of", "the", "and", "for", "in", "on", "&"}


def iso4(journal: str) -> str:
    """ "Journal of the American College of Cardiology" -> "J Am Coll Cardiol".

    Only the name is abbreviated: a citation that Ovid appended (".93 (6) ()(pp 1337-1343)") stays.
    """
    tail = _JOURNAL_TAIL.search(journal)
    name, rest = (journal[: tail.start()], journal[tail.start() :]) if tail else (journal, "")
    words = []
    for word in re.split(r"[\s.:]+", name):
        lower = word.lower()
        if not word or lower in _STOP:
            continue
        if lower in _ISO4:
            words.append(_ISO4[lower])
        elif len(word) > 6:
            cut = 4
            while cut < len(word) - 1 and word[cut - 1].lower() in "aeiou":
                cut += 1
            words.append(word[:cut].capitalize())
        else:
            words.append(word.capitalize())
    return " ".join(words) + rest


def _pages_variant(pages: str, rng) -> str:
    match = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", pages)
    if not match:
        return rng.choice(["", "e" + pages.strip()]) if pages.strip().isdigit() else ""
    first, last = match.groups()
    if len(last) == len(first) and last[:-1] == first[:-1]:
        short = first + "-" + last[-1]
    else:
        common = next((i for i, (x, y) in enumerate(zip(first, last)) if x != y), len(first))
        short = first + "-" + last[common:]
    full = first + "-" + (first[: len(first) - len(last)] + last if len(last) < len(first) else last)
    return rng.choice([short, full, first, "", "e" + first])


def _strip_accents(value: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))


PERTURBATIONS = {
    "journal abbreviated": lambda r, rng: dataclasses.replace(r, journal=iso4(r.journal)),
    "pages reformatted": lambda r, rng: dataclasses.replace(r, pages=_pages_variant(r.pages, rng)),
    "authors truncated": lambda r, rng: dataclasses.replace(
        r, authors=(r.authors[0], "et al") if r.authors else ()
    ),
    "DOI stripped": lambda r, rng: dataclasses.replace(r, doi=""),
    "title bracketed": lambda r, rng: dataclasses.replace(
        r, title=rng.choice(["[{}]", "{} [Article in German]", "{}. [Review]"]).format(r.title.rstrip("."))
    ),
    "case and diacritics": lambda r, rng: dataclasses.replace(
        r,
        title=rng.choice([str.upper, str.lower, _strip_accents])(r.title),
        authors=tuple(_strip_accents(a) for a in r.authors),
    ),
}


def perturb(records: list[DedupRecord], seed: str) -> list[DedupRecord]:
    """Every other record (on average) gets one to three of the perturbations, seeded by the set name."""
    rng = random.Random(seed)
    names = sorted(PERTURBATIONS)
    out = []
    for record in records:
        if rng.random() < 0.5:
            for name in rng.sample(names, rng.randint(1, 3)):
                record = PERTURBATIONS[name](record, rng)
        out.append(record)
    return out


def stress_set(name: str) -> dict:
    folder = set_dir(name)
    records = perturb(load_bib_dedupe_csv(folder / "records_pre_merged.csv"), seed=name)
    true_clusters = load_true_clusters(folder / "merged_record_ids.csv")
    candidates = find_duplicates(records)
    auto_pairs = [(c.a, c.b) for c in candidates if c.decision == AUTO]
    review = sum(1 for c in candidates if c.decision == REVIEW)
    return {
        "set": name,
        "records": len(records),
        **evaluate([str(r.id) for r in records], true_clusters, auto_pairs),
        "review_pairs": review,
        "review_pct": 100 * review / max(len(records), 1),
    }


def print_stress(results: list[dict], out) -> None:
    print("\nSTRESS TEST (not the labelled data): each set with about half its records perturbed by 1-3 of: "
          + ", ".join(sorted(PERTURBATIONS)), file=out)  # fmt: skip
    print(f"{'set':<14}{'records':>8}{'TP':>7}{'FP':>4}{'FN':>6}{'pairFP':>7}{'sens':>8}{'queue':>6}{'queue%':>7}",
          file=out)  # fmt: skip
    for r in results:
        print(f"{r['set']:<14}{r['records']:>8}{r['TP']:>7}{r['FP']:>4}{r['FN']:>6}{r['pair_fp']:>7}"
              f"{r['sensitivity']:>8.4f}{r['review_pairs']:>6}{r['review_pct']:>7.2f}", file=out)  # fmt: skip


# --- reporting --------------------------------------------------------------------------------


def _run_isolated(name: str, explain: int) -> dict:
    return _isolated(run_set, name, explain)


def _isolated(function, *args):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


# (heading, width and format, result key)
_COLUMNS = (
    ("set", "<13", "set"), ("records", ">8", "records"), ("dups", ">6", "true_duplicates"),
    ("TP", ">7", "TP"), ("FP", ">4", "FP"), ("FN", ">5", "FN"), ("TN", ">7", "TN"),
    ("sens", ">8.4f", "sensitivity"), ("anchor", ">8.4f", "anchor_sensitivity"),
    ("spec", ">7.4f", "specificity"), ("pairFP", ">7", "pair_fp"), ("queue", ">6", "review_pairs"),
    ("queue%", ">7.2f", "review_pct"), ("dedup s", ">8.2f", "dedup_s"), ("CPU s", ">6.2f", "dedup_cpu_s"),
    ("load s", ">7.2f", "load_s"),
    ("RSS MB", ">8.0f", "peak_rss_mb"),
)  # fmt: skip


def print_table(results: list[dict], out) -> None:
    print("".join(f"{head:{spec.split('.')[0]}}" for head, spec, _ in _COLUMNS), file=out)
    for result in results:
        print("".join(f"{result[key]:{spec}}" for _, spec, key in _COLUMNS), file=out)


def print_explanation(name: str, explain: dict) -> None:
    print(f"\n== {name}: false positive pairs")
    for item in explain["false_positive_pairs"]:
        print("  " + "\n  ".join(item["records"]) + f"\n    {item['reasons']}\n")
    print(f"== {name}: missed clusters ({explain['missed_total']})")
    for item in explain["missed_clusters"]:
        print("  " + "\n  ".join(item["records"]))
        print("    " + ("\n    ".join(item["pairs"]) or "(never compared or dropped)") + "\n")


# --- dedupe-sweep's EndNote libraries (never used for tuning the thresholds) ---------------------

SWEEP = ROOT.parent / "shared" / "data" / "dedup" / "dedupe-sweep"
SWEEP_SETS = ("copper", "tafenoquine")
_DUPLICATE_CAPTION = re.compile(r"<caption>(?:<style[^>]*>)?\s*Duplicate", re.IGNORECASE)


def sweep_records(name: str) -> tuple[list, list[DedupRecord]]:
    """The dedupe-sweep EndNote library `name`: the parsed records and the same as DedupRecords."""
    from reviewapp.importers import endnote_xml

    path = SWEEP / f"{name}.xml"
    with path.open(encoding="utf-8-sig") as handle:
        parsed = list(endnote_xml.parse(handle, filename=str(path)))
    records = [
        DedupRecord(
            id=n,
            title=p.title,
            authors=tuple(p.authors),
            year=p.year,
            journal=p.journal,
            volume=p.volume,
            issue=p.issue,
            pages=p.pages,
            doi=p.doi,
            pmid=p.pmid,
            registry_ids=tuple(p.registry_ids),
            abstract=p.abstract,
        )  # fmt: skip
        for n, p in enumerate(parsed)
    ]
    return parsed, records


def sweep_set(name: str) -> dict:
    """Score one dedupe-sweep library. Its label marks every member of some duplicate set (caption
    "Duplicate") without saying which set, so: a merge touching an unmarked record is a false merge; a
    marked record left in no merged group is a miss (a lower bound on misses: two marked records of
    different sets merged together would go unseen)."""
    parsed, records = sweep_records(name)
    marked = {n for n, p in enumerate(parsed) if _DUPLICATE_CAPTION.search(p.raw)}
    found = find_duplicates(records)
    auto = [(c.a, c.b) for c in found if c.decision == AUTO]
    grouped = {rid for group in clusters(auto) for rid in group}
    return {
        "set": name, "records": len(records), "marked": len(marked),
        "false_merges": sum(1 for a, b in auto if a not in marked or b not in marked),
        "marked_alone": len(marked - grouped), "grouped_share": len(marked & grouped) / max(len(marked), 1),
        "queue": sum(1 for c in found if c.decision == REVIEW),
    }  # fmt: skip


def print_sweep(results: list[dict], out) -> None:
    print(
        "\ndedupe-sweep libraries (EndNote XML; only set membership labelled): false merges = merges touching"
        " an unmarked record; missed = marked records merged with none",
        file=out,
    )
    print(
        f"{'set':13} {'records':>7} {'marked':>6} {'false merges':>12} {'missed':>6} {'grouped':>7}"
        f" {'queue':>5}",
        file=out,
    )
    for r in results:
        print(
            f"{r['set']:13} {r['records']:7d} {r['marked']:6d} {r['false_merges']:12d} {r['marked_alone']:6d}"
            f" {r['grouped_share']:7.3f} {r['queue']:5d}",
            file=out,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--quick", action="store_true", help="skip depression")
    parser.add_argument("--json", action="store_true", help="JSON on stdout (the table goes to stderr)")
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="list N false positives / misses")
    parser.add_argument("--in-process", action="store_true", help="no child process (RSS is then cumulative)")
    parser.add_argument(
        "--table-only", action="store_true", help="skip the leave-one-set-out and stress tables"
    )
    args = parser.parse_args(argv)
    names = [s for s in args.sets if not (args.quick and s == "depression")]
    results = [run_set(n, args.explain) if args.in_process else _run_isolated(n, args.explain) for n in names]
    out = sys.stderr if args.json else sys.stdout
    print_table(results, out)
    extra: dict = {}
    if not args.table_only:
        extra["loso"] = loso(names, args.in_process)
        print_loso(extra["loso"], out)
        run = stress_set if args.in_process else (lambda n: _isolated(stress_set, n))
        extra["stress"] = [run(n) for n in names]
        print_stress(extra["stress"], out)
        extra["sweep"] = [sweep_set(n) for n in SWEEP_SETS]
        print_sweep(extra["sweep"], out)
    if args.json:
        json.dump({"sets": results, **extra}, sys.stdout, indent=2)
        print()
    elif args.explain:
        for r in results:
            print_explanation(r["set"], r["explain"])
    failed = [r["set"] for r in results if r["pair_fp"] or r["review_pct"] > 100 * QUEUE_LIMIT]
    failed += [r["set"] for r in extra.get("sweep", []) if r["false_merges"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
