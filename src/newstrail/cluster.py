"""Cluster articles into stories (the "cluster into stories" pipeline stage).

The implementation lives in the ``newstrail.clustering`` package; this module is
the stage's stable import path for the store and the CLI.
"""

from __future__ import annotations

from newstrail.clustering import (
    ClusterArticle,
    ClusterSettings,
    Placement,
    StoryClusterer,
    StoryInfo,
    StoryMove,
    cluster_records,
)

__all__ = [
    "ClusterArticle",
    "ClusterSettings",
    "Placement",
    "StoryClusterer",
    "StoryInfo",
    "StoryMove",
    "cluster_records",
]
