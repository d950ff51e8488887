"""The checked reader of users' files against a plain ``pandas.read_csv``.

Run:  python benchmarks/data_reader.py [--rows N] [--json]

Writes a tidy triplet trial file of ``N`` rows (default 200,000) to a temporary folder, then
times:

1. ``pandas.read_csv(dtype=str, keep_default_na=False)``: the reader cogalign used to call,
   which silently shifts a row with one cell too many;
2. :func:`cogalign.data.read_table_file`: the same table after checking every row's cell count,
   the header and the encoding;
3. :func:`cogalign.data.read_trials`: reading plus validation against the triplet schema
   (every cell parsed, ranges, options, duplicate trials);
4. the same file with every ``rt`` cell bad, through ``read_trials``: the report keeps the
   first :data:`cogalign.data.schema.MAX_KEPT` problems and counts the rest.

It prints the seconds of each and the reader's cost relative to pandas.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cogalign.data import ValidationError, read_table_file, read_trials


def _trial_file(folder: Path, rows: int, bad_rt: bool = False) -> Path:
    rng = np.random.default_rng(0)
    people = max(rows // 1000, 1)
    first = rng.integers(0, 1000, rows)
    table = pd.DataFrame({
        "participant_id": np.repeat([f"p{i:05d}" for i in range(people)], -(-rows // people))[:rows],
        "trial": np.tile(np.arange(-(-rows // people)), people)[:rows],
        "item_1": first, "item_2": first + 1000, "item_3": first + 2000,
        "response": first + 1000,
        "rt": np.round(rng.gamma(4.0, 0.4, rows), 3).astype(object),
    })
    if bad_rt:
        table["rt"] = "fast"
    path = folder / ("bad.csv" if bad_rt else "trials.csv")
    table.to_csv(path, index=False)
    return path


def _seconds(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print its table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        good = _trial_file(Path(tmp), args.rows)
        bad = _trial_file(Path(tmp), args.rows, bad_rt=True)
        result = {
            "rows": args.rows,
            "pandas_read_csv_s": _seconds(
                lambda: pd.read_csv(good, dtype=str, keep_default_na=False)),
            "read_table_file_s": _seconds(lambda: read_table_file(good)),
            "read_trials_s": _seconds(lambda: read_trials(good, "triplets")),
        }

        def all_bad() -> None:
            try:
                read_trials(bad, "triplets")
            except ValidationError as exc:
                result["all_bad_problems"] = exc.n_problems
                result["all_bad_report_bytes"] = len(json.dumps(exc.report()))

        result["all_bad_read_trials_s"] = _seconds(all_bad)
    result["reader_over_pandas"] = result["read_table_file_s"] / result["pandas_read_csv_s"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:<24} {value:.3f}" if isinstance(value, float) else f"{key:<24} {value}")


if __name__ == "__main__":
    main()
