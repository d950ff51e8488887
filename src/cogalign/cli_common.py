"""What every ``cogalign`` command shares: errors, ``--json`` output, layer specs, data options.

Commands are thin: they parse options (layer specs with :func:`parse_layers`, the one parser
of :mod:`cogalign.llm.layers`), call one library function and print its result with
:func:`emit`. Errors a user can cause end in a one-line reason and exit status 1
(:data:`EXIT_ERROR`); wrong usage (an unknown option, a bad value for an option) exits with 2
(:data:`EXIT_USAGE`); anything unexpected exits with :data:`EXIT_INTERNAL` and asks to be
reported. With ``--json``, errors are printed as JSON on standard output too, so a script
reading the output always gets valid JSON.

>>> parse_layers("10:13", 30)
[10, 11, 12]
>>> parse_layers("0,-1", 12)
[0, 11]
>>> json_safe({"r2": float("nan"), "n": 3})
{'r2': None, 'n': 3}
"""

from __future__ import annotations

import functools
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from cogalign.errors import CogalignError, shorten
from cogalign.llm.layers import parse_layers

__all__ = [
    "ERROR_PREFIX",
    "EXIT_ERROR",
    "EXIT_INTERNAL",
    "EXIT_USAGE",
    "CogalignGroup",
    "data_options",
    "emit",
    "error_payload",
    "folds_option",
    "handle_errors",
    "json_option",
    "json_safe",
    "load_table",
    "n_boot_option",
    "number_text",
    "one_line",
    "parse_layers",
    "progress_option",
    "seed_option",
    "shorten",
    "text_table",
]

#: Exit status of a handled error (bad data, a missing file, an unknown name).
EXIT_ERROR = 1
#: Exit status of a usage error (click's own).
EXIT_USAGE = 2
#: Exit status of an unexpected error: a bug, to be reported.
EXIT_INTERNAL = 70

#: The prefix of every error line.
ERROR_PREFIX = "error: "

#: Exceptions that mean "the input or the environment is wrong", not "cogalign has a bug".
#: ``ValueError`` is among them: library functions raise it for a value a user chose.
HANDLED: tuple[type[BaseException], ...] = (CogalignError, OSError, ImportError, ValueError)


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none).

    A :class:`~cogalign.data.ValidationError` gives its first problem and how many more.
    """
    problems = getattr(exc, "problems", None)
    if problems:
        total = getattr(exc, "n_problems", len(problems))
        more = f" (and {total - 1} more problems)" if total > 1 else ""
        return f"{problems[0]}{more}"
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0] if len(lines) == 1 else " ".join(lines)


def json_safe(value: Any, digits: int | None = None) -> Any:
    """A value made JSON-safe: NaN and infinities become ``None``, NumPy and pandas become plain.

    Parameters
    ----------
    value
        Nested dicts, lists, tuples, numbers, NumPy scalars or arrays, pandas objects, paths.
    digits
        Round floats to this many decimals (``None``: keep them).

    Returns
    -------
    object
        Something :func:`json.dumps` accepts with ``allow_nan=False``.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, dict):
        return {str(k): json_safe(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, digits) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame: its records
        return json_safe(value.to_dict(orient="records"), digits)
    if hasattr(value, "tolist"):  # NumPy arrays and scalars, pandas Series
        return json_safe(value.tolist(), digits)
    if hasattr(value, "item"):
        return json_safe(value.item(), digits)
    return str(value)


def emit(payload: Any, as_json: bool, text: str | Callable[[], str], *,
         digits: int | None = None) -> None:
    """Print a command's result: JSON (always valid: no NaN) or the human-readable text.

    Parameters
    ----------
    payload
        The result as plain data.
    as_json
        Print ``payload`` as JSON instead of ``text``.
    text
        The text, or a function making it (called only without ``--json``).
    digits
        Round floats in the JSON to this many decimals.
    """
    if as_json:
        click.echo(json.dumps(json_safe(payload, digits), indent=2, allow_nan=False))
    else:
        click.echo(text() if callable(text) else text)


def error_payload(message: str, status: int) -> dict[str, Any]:
    """The JSON object printed for an error under ``--json``."""
    return {"error": message, "exit_status": status}


def _wants_json(args: Iterable[str]) -> bool:
    return "--json" in list(args)


def _fail(message: str, status: int, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(error_payload(message, status), indent=2))
    click.echo(f"{ERROR_PREFIX}{message}", err=True)
    sys.exit(status)


class CogalignGroup(click.Group):
    """A click group that ends every error in one line and the right exit status.

    Handled errors (:data:`HANDLED`) exit with :data:`EXIT_ERROR`, usage errors with
    :data:`EXIT_USAGE`, anything else with :data:`EXIT_INTERNAL` and a request to report it.
    Under ``--json`` the error is also printed as a JSON object on standard output.
    """

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, ...]:
        """The command ``args`` name; for an unknown name, the closest commands are suggested."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if not args or "No such command" not in exc.message:
                raise
            from cogalign.data.registry import closest_names

            known = self.list_commands(ctx)
            close = closest_names(args[0], known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise click.UsageError(f"{exc.message}{hint} Commands: {', '.join(known)}.",
                                   ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command, translating errors as described above."""
        pending = list(getattr(ctx, "_protected_args", [])) + list(ctx.args)
        as_json = _wants_json(sys.argv[1:]) or _wants_json(pending)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except click.UsageError as exc:
            # nested groups see the same error: print its JSON once, in the innermost group
            if as_json and not getattr(exc, "_cogalign_reported", False):
                click.echo(json.dumps(error_payload(exc.format_message(), EXIT_USAGE), indent=2))
                exc._cogalign_reported = True  # type: ignore[attr-defined]
            raise
        except click.ClickException as exc:
            _fail(exc.format_message(), EXIT_ERROR, as_json)
        except HANDLED as exc:
            _fail(one_line(exc), EXIT_ERROR, as_json)
        except KeyboardInterrupt:
            _fail("interrupted", 130, as_json)
        except Exception as exc:  # a bug: say so, with the type, and ask for a report
            _fail(f"internal error ({type(exc).__name__}: {one_line(exc)}); please report this "
                  "at the cogalign issue tracker with the command you ran", EXIT_INTERNAL, as_json)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator of every command: handled errors become one line and exit status 1.

    Handled errors (:data:`HANDLED`) become a :class:`click.ClickException`, so a command
    gives a one-line reason also when it runs outside the ``cogalign`` group (a click group of
    its own, ``python -m ...``, a test's ``CliRunner``); inside it, :class:`CogalignGroup`
    prints it with the common prefix. Library warnings about deprecations in dependencies
    (``FutureWarning``, ``DeprecationWarning``) are kept out of the command's output.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                return func(*args, **kwargs)
        except click.ClickException:
            raise
        except HANDLED as exc:
            raise click.ClickException(one_line(exc)) from None

    return wrapper


def number_text(value: Any, width: int = 0, digits: int = 4) -> str:
    """A number for a command's text output, right-aligned in ``width`` characters.

    ``n/a`` where it is not defined (None, NaN, infinite), never ``nan``.

    >>> number_text(0.12345, 8, 3), number_text(float("nan"), 5)
    ('   0.123', '  n/a')
    """
    if value is None or not math.isfinite(float(value)):
        return f"{'n/a':>{width}}"
    return f"{float(value):>{width}.{digits}f}"


class _Folds(click.ParamType):
    """Cross-validation folds: 0 (none) or at least 2; anything else is a usage error."""

    name = "folds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = click.INT.convert(value, param, ctx)
        if number == 1 or number < 0:
            self.fail(f"{number} is not 0 (no cross-validation) or at least 2", param, ctx)
        return number


def folds_option(default: int = 5, help: str = "Cross-validation folds (0: none).",
                 ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--folds`` option: 0 or at least 2 (1 and negative numbers are usage errors)."""
    return click.option("--folds", type=_Folds(), default=default, show_default=True, help=help)


def n_boot_option(default: int = 1000) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--n-boot`` option: bootstrap samples, at least 0 (0: no interval)."""
    return click.option("--n-boot", type=click.IntRange(min=0), default=default,
                        show_default=True, help="Bootstrap samples (0: no interval).")


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--json`` flag (machine-readable output), passed as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(func)


def seed_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--seed`` option (default 0)."""
    return click.option("--seed", type=int, default=0, show_default=True,
                        help="Random seed.")(func)


def progress_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--progress/--no-progress`` switch (default: show progress bars), as ``progress``."""
    return click.option("--progress/--no-progress", default=True, show_default=True,
                        help="Show progress bars.")(func)


def data_options(default_dataset: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--dataset NAME`` and ``--data PATH`` (a trial file or a Psych-DS folder)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
                            help="Your own trial file or Psych-DS folder (instead of "
                                 "--dataset).")(func)
        return click.option("--dataset", default=default_dataset, show_default=True,
                            help="Registered dataset (cogalign datasets list).")(func)

    return decorate


def load_table(schema: Any, dataset: str | None, data_path: str | Path | None, *,
               progress: bool = False) -> tuple[Any, str]:
    """Load a paradigm's trial table from a user's file, a Psych-DS folder or a dataset.

    Parameters
    ----------
    schema
        Schema name or :class:`~cogalign.data.Schema` the table must follow.
    dataset
        Registered dataset name (used when ``data_path`` is ``None``).
    data_path
        A trial file (CSV, TSV, JSON lines) or a Psych-DS folder.
    progress
        Show a download progress bar.

    Returns
    -------
    tuple
        ``(table, source)``: the validated table and where it came from.
    """
    from cogalign.data import load, read_psychds, read_trials

    if data_path is not None:
        path = Path(data_path)
        table = read_psychds(path, schema) if path.is_dir() else read_trials(path, schema)
        return table, str(path)
    if dataset is None:
        raise CogalignError("give --data FILE or --dataset NAME")
    return load(dataset, download=True, progress=progress), dataset


def text_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Plain-text table of ``rows`` with the given columns, left-aligned."""
    if not rows:
        return "  ".join(columns)
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
