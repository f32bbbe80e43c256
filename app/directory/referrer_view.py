"""What referrers see beyond the public listing: its care clusters and why it matched a cluster search."""

from dataclasses import dataclass

from app.directory.models import ClusterFocus, Service
from app.taxonomies import Cluster, clusters


@dataclass(frozen=True)
class ClusterTags:
    main: tuple[Cluster, ...]
    also: tuple[Cluster, ...]
    all_clusters: bool

    @property
    def empty(self) -> bool:
        return not (self.main or self.also or self.all_clusters)


def cluster_tags(service: Service) -> ClusterTags:
    by_code = {cluster.code: cluster for cluster in clusters()}
    return ClusterTags(
        main=tuple(by_code[c] for c in service.clusters_with(ClusterFocus.MAIN) if c in by_code),
        also=tuple(by_code[c] for c in service.clusters_with(ClusterFocus.ALSO) if c in by_code),
        all_clusters=service.all_clusters,
    )
