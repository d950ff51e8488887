"""A study's online settings: the ``online.toml`` file next to its ``study.toml``.

The lab definition (``study.toml``) says what participants see and how the data look; the
online settings say only what a web study adds around it. They live in their own file so
that the definition, and with it the definition hash written into every data row, is the same
for the lab and the browser. The file is optional; every field has a default::

    [online]
    consent = "..."            # consent page text; "" shows no consent page
    consent_button = "I agree"
    decline_button = "I do not agree"
    declined = "..."           # shown after the decline button; nothing is stored
    end = ""                   # replaces [text] end online ("" keeps it)
    completion_code = "C0DE42" # shown at the end; "" shows none
    redirect = "https://app.prolific.com/submissions/complete?cc={code}"
    redirect_delay = 3.0       # seconds on the end page before the redirect
    participant_pattern = "[A-Za-z0-9]{1,64}"
    anonymous = true           # visitors without an id get a random one
    preview = "..."            # MTurk preview (no assignment accepted yet)

Overrides ``online.FIELD=VALUE`` are applied like the definition's ``--set`` overrides.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cogalign.studies.definition import DefinitionError, parse_override

__all__ = ["ONLINE_FILE", "OnlineSettings", "load_online_settings"]

#: The file name of a study's online settings, next to its definition.
ONLINE_FILE = "online.toml"

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class OnlineSettings:
    """What a web study adds to its lab definition (see the module docstring).

    Attributes
    ----------
    consent, consent_button, decline_button, declined
        The consent page and what a participant who declines sees.
    end
        End-page text online (empty: the definition's ``[text] end``).
    completion_code
        The code shown at the end (recruitment platforms check it); empty for none.
    redirect
        URL opened after the end page; ``{code}`` is replaced by the completion code.
    redirect_delay
        Seconds the end page stays before the redirect.
    participant_pattern
        Regular expression every participant id must match in full.
    anonymous
        Whether visitors without an id in the link take part under a random id.
    preview
        Text shown in an MTurk preview, before a worker accepts the task.
    path
        The file read, or ``None`` when the study has none.
    """

    consent: str = (
        "This is a research study. Taking part is voluntary, and you may stop at any time by "
        "closing this page.\n\nWe record your answers and response times, linked only to the "
        "pseudonymous id in your link. No name, e-mail or other personal data is collected."
        "\n\nDo you agree to take part?"
    )
    consent_button: str = "I agree"
    decline_button: str = "I do not agree"
    declined: str = "You did not agree to take part. Nothing was recorded; you can close this page."
    end: str = ""
    completion_code: str = ""
    redirect: str = ""
    redirect_delay: float = 3.0
    participant_pattern: str = "[A-Za-z0-9]{1,64}"
    anonymous: bool = True
    preview: str = "Please accept the task to start the study."
    path: Path | None = None

    def redirect_url(self) -> str | None:
        """The redirect with the completion code filled in, or ``None``."""
        if not self.redirect:
            return None
        return self.redirect.replace("{code}", self.completion_code)


_TYPES: dict[str, type] = {
    f.name: (float if f.name == "redirect_delay" else bool if f.name == "anonymous" else str)
    for f in fields(OnlineSettings)
    if f.name != "path"
}


def _check(values: dict[str, Any], where: str) -> list[str]:
    problems = []
    for name, value in values.items():
        if name not in _TYPES:
            problems.append(f"[online] {name}: unknown field (known: {', '.join(sorted(_TYPES))})")
            continue
        kind = _TYPES[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
            values[name] = value
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            problems.append(f"[online] {name}: expected {kind.__name__}, got {value!r}")
    if problems:
        return [f"{where}: {p}" for p in problems]
    code = values.get("completion_code", "")
    if code and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code):
        problems.append(f"[online] completion_code: letters, digits, '-' and '_' only, got {code!r}")
    redirect = values.get("redirect", "")
    if redirect:
        parts = urlsplit(redirect)
        local = parts.hostname in _LOCAL_HOSTS
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            problems.append(
                f"[online] redirect: must be an https:// address (http:// only to localhost), "
                f"got {redirect!r}"
            )
        elif "{code}" in redirect and not code:
            problems.append("[online] redirect: uses {code} but completion_code is empty")
    pattern = values.get("participant_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"[online] participant_pattern: not a valid regular expression ({exc})")
    delay = values.get("redirect_delay")
    if delay is not None and not 0 <= delay <= 600:
        problems.append(f"[online] redirect_delay: must be between 0 and 600 s, got {delay!r}")
    return [f"{where}: {p}" for p in problems]


def load_online_settings(folder: str | Path, overrides: Iterable[str] = ()) -> OnlineSettings:
    """Read a study's ``online.toml`` (defaults when there is none) and apply overrides.

    Parameters
    ----------
    folder
        The study's folder (holding ``study.toml``).
    overrides
        ``online.FIELD=VALUE`` strings.

    Returns
    -------
    OnlineSettings

    Raises
    ------
    DefinitionError
        Naming the file and field of every problem.
    """
    path = Path(folder) / ONLINE_FILE
    values: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DefinitionError(f"{path}: not valid TOML ({exc})") from None
        unknown = sorted(set(raw) - {"online"})
        if unknown:
            raise DefinitionError(f"{path}: unknown table(s) {unknown}; only [online] belongs here")
        section = raw.get("online", {})
        if not isinstance(section, dict):
            raise DefinitionError(f"{path}: [online] must be a table")
        values.update(section)
    for text in overrides:
        table, name, value = parse_override(text)
        if table != "online":
            raise DefinitionError(f"--set {text}: not an [online] field")
        values[name] = value
    problems = _check(values, str(path))
    if problems:
        raise DefinitionError("; ".join(problems))
    return replace(OnlineSettings(), **values, path=path if path.is_file() else None)
