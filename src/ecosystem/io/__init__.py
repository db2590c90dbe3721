"""Readers and writers. Every reader ends in :func:`ecosystem.from_frames`."""

from ecosystem.io.csv import read_csv, write_csv
from ecosystem.io.excel import read_excel, write_excel
from ecosystem.io.graphml import read_graphml, write_graphml
from ecosystem.io.igraph import from_igraph, to_igraph
from ecosystem.io.json import read_json, write_json
from ecosystem.io.networkx import from_networkx, to_networkx
from ecosystem.io.survey import Survey, read_ego_survey, read_survey

__all__ = [
    "Survey",
    "from_igraph",
    "from_networkx",
    "read_csv",
    "read_ego_survey",
    "read_excel",
    "read_graphml",
    "read_json",
    "read_survey",
    "to_igraph",
    "to_networkx",
    "write_csv",
    "write_excel",
    "write_graphml",
    "write_json",
]
