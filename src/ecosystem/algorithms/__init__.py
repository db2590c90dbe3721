"""Structural analysis of an Ecosystem: centrality and bridging gaps."""

__all__: list[str] = []
