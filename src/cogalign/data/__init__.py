"""The trial-data layer: schemas and validation, Psych-DS, readers, the dataset registry.

>>> from cogalign.data import load
>>> triplets = load("things-triplets-test")     # doctest: +SKIP
"""

from cogalign.data.containers import MoralGraph, RDMStack
from cogalign.data.files import RemoteFile, locate, sha256_of
from cogalign.data.psychds import read_psychds, write_description, write_psychds
from cogalign.data.readers import read_jspsych, read_psychopy_csv
from cogalign.data.registry import REGISTRY, Dataset, get_dataset, load, register
from cogalign.data.schema import Column, Problem, Schema, ValidationError, validate
from cogalign.data.schemas import SCHEMAS, get_schema
from cogalign.data.tables import read_trials
from cogalign.data.userfiles import (
    read_header,
    read_items_file,
    read_table_file,
    read_table_with_lines,
)

__all__ = [
    "REGISTRY",
    "SCHEMAS",
    "Column",
    "Dataset",
    "MoralGraph",
    "Problem",
    "RDMStack",
    "RemoteFile",
    "Schema",
    "ValidationError",
    "get_dataset",
    "get_schema",
    "load",
    "locate",
    "read_header",
    "read_items_file",
    "read_jspsych",
    "read_psychds",
    "read_psychopy_csv",
    "read_table_file",
    "read_table_with_lines",
    "read_trials",
    "register",
    "sha256_of",
    "validate",
    "write_description",
    "write_psychds",
]
