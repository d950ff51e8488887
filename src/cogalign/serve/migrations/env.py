"""Alembic environment of the ``cogalign serve`` database.

:meth:`cogalign.serve.db.Database.migrate` runs the migrations on an open connection (passed
in ``config.attributes["connection"]``); the ``alembic`` command line can use them too, with
``sqlalchemy.url`` set in its ini file.
"""

from alembic import context
from sqlalchemy import create_engine

from cogalign.serve.db import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
