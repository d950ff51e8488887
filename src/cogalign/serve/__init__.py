"""Online studies: ``cogalign serve`` runs the studies of ``studies/`` in the browser.

Every study definition (``studies/*/study.toml``) becomes a jsPsych 8 experiment with the
trial lists, practice, attention checks, breaks and texts of the lab study; jsPsych ships
inside the package (``static/jspsych``, MIT licence), so nothing is fetched at run time.
Each answer is sent as it is given and saved at once, idempotently, to SQLite (the default)
or PostgreSQL; the page queues answers while the network is down and a reload resumes at the
next unanswered trial. The data export is the same Psych-DS layout the lab studies write.

Command line (mounted by the package's ``cogalign`` command)::

    cogalign serve studies/ [--db sqlite:///data/studies.db] [--port 8000]
    cogalign serve export --db sqlite:///data/studies.db --out data/online/
    cogalign study export-jspsych studies/triplets/study.toml --out site/ --participants p001,p002

Modules: :mod:`~cogalign.serve.app` (the ASGI app), :mod:`~cogalign.serve.studyset`
(studies as the page sees them), :mod:`~cogalign.serve.recording` (answers to data rows),
:mod:`~cogalign.serve.db` (tables, migrations), :mod:`~cogalign.serve.export` (Psych-DS),
:mod:`~cogalign.serve.static_site` (static export and import), :mod:`~cogalign.serve.admin`,
:mod:`~cogalign.serve.security`, :mod:`~cogalign.serve.tokens`, :mod:`~cogalign.serve.settings`
(``online.toml``), :mod:`~cogalign.serve.adapters` (the paradigm hooks),
:mod:`~cogalign.serve.participants` (sessions and tokens of every kind of study) and
:mod:`~cogalign.serve.flows` (participant flows other than trial lists, declared by their
paradigm: the moral-graph interview, card and votes of :mod:`cogalign.moralgraph.online`).

Install with ``pip install "cogalign[serve]"``.
"""

from __future__ import annotations

from cogalign.lazy import lazy_exports

__all__ = ["ServeConfig", "create_app", "export_jspsych", "export_psychds", "import_responses",
           "load_studies"]

_WHERE = {
    "ServeConfig": "cogalign.serve.app",
    "create_app": "cogalign.serve.app",
    "export_psychds": "cogalign.serve.export",
    "export_jspsych": "cogalign.serve.static_site",
    "import_responses": "cogalign.serve.static_site",
    "load_studies": "cogalign.serve.studyset",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
