"""Online story clustering: articles from different outlets grouped into events.

Modules, in the order data flows through them: ``features`` (sub-vectors and
online IDF), ``index`` (candidate retrieval), ``story`` (centroids and
scores), ``bisection`` (cutting a story that holds two events), ``online``
(the clusterer and ``cluster_records``), ``state`` (save/resume).
"""

from __future__ import annotations

from newstrail.stories.clustering.online import (
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
