"""HTML pages from the package's Jinja2 templates, every value escaped.

The templates autoescape, so a study title, an instruction or a participant's id is always
shown as text. The experiment page carries its settings as JSON inside a
``<script type="application/json">`` element, written with Jinja's ``tojson`` (which escapes
``<``, ``>``, ``&`` and ``'``), so no text in a definition can close the element.

A participant flow with pages of its own (:mod:`cogalign.serve.flows`) renders them with
:class:`Templates`, whose templates may extend the package's (``base.html``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

__all__ = ["STATIC", "TEMPLATES", "Templates", "render"]

#: The package's templates and static files (jsPsych, the page's script and styles).
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates (``experiment.html``, ``admin_index.html``, ...)."""
    return _ENV.get_template(template).render(**context)


class Templates:
    """Templates of another folder, escaped like the package's and able to extend them.

    Parameters
    ----------
    folder
        The folder of the templates; names not found there are looked up among the package's
        templates (so ``{% extends "base.html" %}`` works).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(self.folder)),
                                 FileSystemLoader(str(TEMPLATES))]),
            autoescape=select_autoescape(default=True, default_for_string=True))

    def render(self, template: str, **context: Any) -> str:
        """Render one template of the folder (or of the package)."""
        return self._env.get_template(template).render(**context)
