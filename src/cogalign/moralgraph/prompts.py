"""The moral-graph paradigm's prompt templates, from the one template registry.

The files are in ``moralgraph/prompts/``; the paradigm declares that folder
(``PARADIGM.prompts``), so they join the registry of :mod:`cogalign.llm.tasks` next to every
other template (``cogalign.llm.tasks.list_templates()`` shows them). Two kinds:

* **judgment tasks** (``upgrade-vote``, ``wiser-of-two``, ``same-value``). The vote tasks have
  the constant ``{context}``, filled once per context (:meth:`cogalign.llm.Task.fill`, here
  through :func:`vote_task`);
* **text templates** (``interview``, ``participant``): named texts with placeholders for the
  conversations.

A template can also be given as a path to a TOML file of the same shape.
"""

from __future__ import annotations

import os
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["TEMPLATES", "load_prompts", "vote_task"]

#: The templates shipped with the paradigm.
TEMPLATES: tuple[str, ...] = ("interview", "participant", "same-value", "upgrade-vote", "wiser-of-two")


def load_prompts(name: str | os.PathLike[str]) -> dict[str, Any]:
    """A template by name (see :data:`TEMPLATES`) or TOML path, as plain data.

    Text templates give their texts by key; judgment tasks give
    :meth:`cogalign.llm.Task.to_dict`. Both carry ``name`` and ``source``.

    Raises
    ------
    CogalignError
        For an unknown name, a missing file or an invalid file (naming it).
    """
    from cogalign.llm.tasks import Task, load_template

    try:
        template = load_template(name)
    except ValueError as exc:
        raise CogalignError(str(exc).replace("unknown task", "unknown template", 1)) from None
    if isinstance(template, Task):
        return {**template.to_dict(), "source": template.source}
    return {**template.texts, "name": template.name, "source": template.source}


def vote_task(name: str | os.PathLike[str], context: str, *, system: str | None = None) -> Any:
    """The :class:`cogalign.llm.Task` of a vote template for one context.

    Parameters
    ----------
    name
        ``"upgrade-vote"``, ``"wiser-of-two"`` or a TOML file of the same shape.
    context
        The choice context, put where the template says ``{context}``.
    system
        Optional system message (a persona).
    """
    from cogalign.llm.tasks import load_task

    try:
        return load_task(name).fill(context=context).with_system(system)
    except ValueError as exc:
        raise CogalignError(f"vote template {name}: {exc}") from None
