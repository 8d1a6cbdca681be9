"""Online story clustering: articles from different outlets grouped into events.

Modules, in the order data flows through them: ``features`` (sub-vectors and
online IDF), ``index`` (candidate retrieval), ``story`` (centroids and
scores), ``collection`` (the stories held: indexed, ranked, dormant),
``bisection`` (cutting a story that holds two events), ``records`` (settings,
articles, placements and snapshots), ``state`` (snapshots to bytes and back),
``ahead`` (vectorising in a second process), ``online`` (the clusterer),
``streams`` (clustering a whole stream or JSON Lines file).
"""

from __future__ import annotations

from newstrail.stories.clustering.online import StoryClusterer
from newstrail.stories.clustering.records import (
    ClusterArticle,
    ClusterSettings,
    Placement,
    Revision,
    StoryInfo,
    StoryMove,
)
from newstrail.stories.clustering.streams import cluster_records

__all__ = [
    "ClusterArticle",
    "ClusterSettings",
    "Placement",
    "Revision",
    "StoryClusterer",
    "StoryInfo",
    "StoryMove",
    "cluster_records",
]
