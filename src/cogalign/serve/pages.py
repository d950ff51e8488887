"""HTML pages from the package's Jinja2 templates, every value escaped.

The templates autoescape, so a study title, an instruction or a participant's id is always
shown as text. The experiment page carries its settings as JSON inside a
``<script type="application/json">`` element, written with Jinja's ``tojson`` (which escapes
``<``, ``>``, ``&`` and ``'``), so no text in a definition can close the element.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["STATIC", "TEMPLATES", "render"]

#: The package's templates and static files (jsPsych, the page's script and styles).
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates (``experiment.html``, ``admin_index.html``, ...)."""
    return _ENV.get_template(template).render(**context)
