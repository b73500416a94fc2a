"""Request counts of the relation examples of issue #13: naive loop vs prefetched.

On the LocalHub of both generations (0.8.13 and 0.14.0), with 60 nodes in 5 realms and
120 analyses in 7 projects (3 master images; ``tests/relations/world.py`` builds the
data), each example runs once the way a script without relations writes it (one ``GET``
per row and relation) and once with ``prefetch_related``/``select_related``. The counts
are the requests the LocalHub saw, the token endpoint left out; they do not depend on
the machine.

    python benchmarks/relations.py          # prints the table of benchmarks/README.md
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flamehub.models import (
    Analysis,
    AnalysisBucket,
    Bucket,
    MasterImage,
    Node,
    Project,
    Realm,
)
from tests.relations.world import VERSIONS, World, build_world, start_local


def examples(w: World) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    hub = w.hub
    nodes, analyses = Node.objects.using(hub), Analysis.objects.using(hub)
    realms, projects = Realm.objects.using(hub), Project.objects.using(hub)
    images, buckets = MasterImage.objects.using(hub), Bucket.objects.using(hub)
    analysis_buckets = AnalysisBucket.objects.using(hub)
    return [
        (
            "60 nodes with their realm (core -> auth)",
            lambda: [(n.name, realms.get(id=n.realm_id).name) for n in nodes.all()],
            lambda: [(n.name, n.realm.name) for n in nodes.prefetch_related("realm")],
        ),
        (
            "120 analyses with project and master image",
            lambda: [
                (a.name, p.name, images.get(id=p.master_image_id).path)
                for a in analyses.all()
                for p in [projects.get(id=a.project_id)]
            ],
            lambda: [
                (a.name, a.project.name, a.project.master_image.path)
                for a in analyses.select_related("project", "project__master_image")
            ],
        ),
        (
            "7 projects with their project-nodes (reverse)",
            lambda: [(p.name, len(list(p.nodes.all()))) for p in projects.all()],
            lambda: [(p.name, len(p.nodes.all())) for p in projects.prefetch_related("nodes")],
        ),
        (
            "360 analysis buckets with their bucket (core -> storage)",
            lambda: [buckets.get(id=b.bucket_id).name for b in analysis_buckets.all()],
            lambda: [b.bucket.name for b in analysis_buckets.prefetch_related("bucket")],
        ),
        (
            "60 nodes by id",
            lambda: [nodes.get(id=node.id) for node in w.nodes],
            lambda: nodes.in_bulk([node.id for node in w.nodes]),
        ),
    ]


def count(w: World, run: Callable[[], object]) -> tuple[int, object]:
    w.clear()
    result = run()
    return len(w.requests()), result


def main() -> None:
    rows: dict[str, dict[str, tuple[int, int]]] = {}
    for version in VERSIONS:
        local = start_local(version)
        try:
            w = build_world(local)
            for name, naive, prefetched in examples(w):
                naive_count, naive_result = count(w, naive)
                prefetched_count, prefetched_result = count(w, prefetched)
                if not isinstance(prefetched_result, dict) and naive_result != prefetched_result:
                    raise SystemExit(f"{name} on {version}: the two ways disagree")
                rows.setdefault(name, {})[version] = (naive_count, prefetched_count)
            w.hub.close()
        finally:
            local.stop()
    header = "| example | " + " | ".join(f"Hub {v}: naive / prefetched" for v in VERSIONS) + " |"
    print(header)
    print("|---|" + "---|" * len(VERSIONS))
    for name, by_version in rows.items():
        cells = [f"{by_version[v][0]} / {by_version[v][1]}" for v in VERSIONS]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
