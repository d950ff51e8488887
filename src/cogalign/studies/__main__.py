"""``python -m cogalign.studies``: the study commands on their own (same as ``cogalign study``)."""

from cogalign.studies.cli import study_group

if __name__ == "__main__":  # pragma: no cover
    study_group(prog_name="python -m cogalign.studies")
