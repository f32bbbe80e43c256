"""Reading the cluster choice from the query string: ``cluster=N`` (repeatable) and ``superclass=NAME``."""

import re

from werkzeug.datastructures import MultiDict

from app.taxonomies import cluster_codes, cluster_super_classes


def parse_clusters(args: MultiDict[str, str]) -> tuple[tuple[int, ...], dict[str, str]]:
    """The chosen cluster codes (a super-class adds all of its clusters) and any plain error messages."""
    errors: dict[str, str] = {}
    codes: list[int] = []
    valid = cluster_codes()
    for value in args.getlist("cluster"):
        if re.fullmatch(r"[0-9]{1,2}", value.strip()) and int(value) in valid:
            codes.append(int(value))
        elif value.strip():
            errors["cluster"] = "Choose clusters from the list (0 to 8 and 10 to 21)"
    groups = cluster_super_classes()
    for name in args.getlist("superclass"):
        if name in groups:
            codes.extend(cluster.code for cluster in groups[name])
        elif name.strip():
            errors["superclass"] = "Choose a group of clusters from the list"
    return tuple(sorted(set(codes))), errors
