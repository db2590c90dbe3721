"""Readers and writers. Every reader ends in :func:`ecosystem.from_frames`."""

from ecosystem.io.csv import read_csv, write_csv

__all__ = ["read_csv", "write_csv"]
