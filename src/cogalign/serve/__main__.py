"""``python -m cogalign.serve``: the ``cogalign serve`` commands on their own."""

from cogalign.serve.cli import serve_group

serve_group(prog_name="cogalign serve")
