"""The issue's examples on the LocalHub of each generation, with their exact request counts.

60 nodes in 5 realms, 120 analyses in 7 projects (3 master images), 4 nodes per project
(world.py). Counts leave out the token endpoint; the numbers are the pages of the
listing (50 rows a page) plus one ``id__in`` request per relation and page of new ids.
Nothing here changes the world: the tests that write rows are in test_behaviour.py.
"""

from __future__ import annotations

import threading

import pytest

from flamehub import Hub, PasswordAuth, QueryError
from flamehub.models import (
    Analysis,
    AnalysisBucket,
    Bucket,
    Node,
    Project,
    Realm,
)

from .world import ANALYSES, NODES, REALMS, TOKEN_PATH, World

NODE_PAGES = [("GET", "/core/nodes")] * 2  # 60 nodes: 50 + 10


def test_the_naive_loop_costs_one_request_per_node(w: World) -> None:
    rows = [
        (n.name, Realm.objects.using(w.hub).get(id=n.realm_id).name)
        for n in Node.objects.using(w.hub).all()
    ]
    assert len(rows) == NODES
    assert len(w.requests()) == 2 + NODES  # 62, as the issue measured


def test_a_forward_relation_loads_once_per_instance(w: World) -> None:
    node = Node.objects.using(w.hub).filter(name="node-07").get()
    w.clear()
    assert node.realm.name == "realm-2"  # node i is in realm i % 5
    assert node.realm is node.realm
    assert w.requests() == [("GET", f"/auth/realms/{node.realm_id}")]


def test_prefetch_related_costs_two_node_pages_and_one_realm_request(w: World) -> None:
    rows = [(n.name, n.realm.name) for n in Node.objects.using(w.hub).prefetch_related("realm")]
    assert rows[:6] == [(f"node-{i:02d}", f"realm-{i % REALMS}") for i in range(6)]
    assert len(rows) == NODES
    assert sorted(w.requests()) == sorted([*NODE_PAGES, ("GET", "/auth/realms")])


def test_rows_that_share_an_id_share_one_object_across_pages(w: World) -> None:
    nodes = list(Node.objects.using(w.hub).prefetch_related("realm"))
    first, on_second_page = nodes[0], nodes[55]  # node-00 and node-55: both realm-0
    assert first.realm is on_second_page.realm
    assert len({id(n.realm) for n in nodes}) == REALMS


def test_iterator_prefetches_page_by_page(w: World) -> None:
    stream = Node.objects.using(w.hub).prefetch_related("realm").iterator(concurrency=1)
    first = next(stream)
    assert first.realm.name == "realm-0"
    assert w.requests() == [("GET", "/core/nodes"), ("GET", "/auth/realms")]
    rest = list(stream)
    assert len(rest) == NODES - 1
    # the second page brings no realm the first did not: no realm request for it
    assert w.requests() == [("GET", "/core/nodes"), ("GET", "/auth/realms"), ("GET", "/core/nodes")]


def test_relations_chain_and_are_none_only_when_the_id_is_none(w: World) -> None:
    analysis = Analysis.objects.using(w.hub).filter(name="analysis-003").get()
    w.clear()
    # project 3 has image 3 % 3 = 0, the first by path
    assert analysis.project.master_image.path == "python/base"
    assert analysis.project.master_image is analysis.project.master_image
    assert [path for _method, path in w.requests()] == [
        f"/core/projects/{analysis.project_id}",
        f"/core/master-images/{analysis.project.master_image_id}",
    ]
    assert analysis.registry_id is None
    assert analysis.registry is None
    assert len(w.requests()) == 2


def test_select_related_includes_what_the_hub_embeds_and_batches_the_rest(w: World) -> None:
    query = Analysis.objects.using(w.hub).select_related("project", "project__master_image")
    analyses = list(query)
    rows = [(a.name, a.project.name, a.project.master_image.path) for a in analyses]
    assert len(rows) == ANALYSES
    # the Hub embeds a copy of the project in each row; rows of one project share one
    assert len({id(a.project) for a in analyses}) == len({a.project_id for a in analyses}) == 7
    assert all(project.startswith("study-") for _name, project, _path in rows)
    # 3 pages of 50 with include=project (both generations embed it), then one request
    # for the 3 master images of the 7 projects
    assert sorted(w.requests()) == sorted(
        [("GET", "/core/analyses")] * 3 + [("GET", "/core/master-images")]
    )
    listings = w.local.requests.filter(method="GET", path="/core/analyses")
    assert [record.params.get("include") for record in listings] == [["project"]] * 3


def test_nested_prefetch_follows_the_objects_each_step_brought(w: World) -> None:
    query = Analysis.objects.using(w.hub).prefetch_related("project__master_image")
    images = {a.project.master_image.path for a in query}
    assert images == {"python/base", "python/slim", "r/base"}
    assert sorted(w.requests()) == sorted(
        [("GET", "/core/analyses")] * 3
        + [("GET", "/core/projects"), ("GET", "/core/master-images")]
    )


def test_reverse_prefetch_answers_the_related_manager_without_requests(w: World) -> None:
    projects = list(Project.objects.using(w.hub).prefetch_related("nodes__node"))
    assert sorted(w.requests()) == sorted(
        [("GET", "/core/projects"), ("GET", "/core/project-nodes"), ("GET", "/core/nodes")]
    )
    w.clear()
    by_name = {p.name: p for p in projects}
    a, b = by_name["study-0"], by_name["study-1"]
    shared = {m.node for m in a.nodes.all()} & {m.node for m in b.nodes.all()}
    assert sorted(node.name for node in shared) == ["node-01", "node-02", "node-03"]
    assert len(list(a.nodes)) == 4
    assert w.requests() == []
    # a new query on the manager is a new request, as in Django
    assert a.nodes.filter(node_id=a.nodes.all()[0].node_id).count() == 1
    assert w.requests() == [("GET", "/core/project-nodes")]


def test_reverse_prefetch_of_many_parents_batches_their_ids(w: World) -> None:
    realms = list(Realm.objects.using(w.hub).prefetch_related("nodes"))
    counts = {realm.name: len(realm.nodes.all()) for realm in realms}
    assert counts == {"master": 0, **{f"realm-{i}": NODES // REALMS for i in range(REALMS)}}
    # one realm page; the 6 realms' nodes in one id list, read as 2 pages of nodes
    assert sorted(w.requests()) == sorted([("GET", "/auth/realms"), *NODE_PAGES])


def test_core_to_storage_prefetch(w: World) -> None:
    rows = list(AnalysisBucket.objects.using(w.hub).prefetch_related("bucket"))
    assert len(rows) == 3 * ANALYSES  # CODE, RESULT, TEMP per analysis
    assert all(isinstance(row.bucket, Bucket) and row.bucket.id == row.bucket_id for row in rows)
    # 360 rows: 8 pages, each with 50 (or 10) new storage buckets: one request each
    assert sorted(w.requests()) == sorted(
        [("GET", "/core/analysis-buckets")] * 8 + [("GET", "/storage/buckets")] * 8
    )


def test_cross_service_prefetch_survives_a_token_refresh_in_the_middle(w: World) -> None:
    clock_now = [1000.0]
    auth = PasswordAuth(*w.local.admin_credentials)
    auth.clock = lambda: clock_now[0]
    with Hub(w.local.url, auth=auth) as hub:
        assert AnalysisBucket.objects.using(hub).exists()  # logs in at 1000
        w.clear()
        stream = AnalysisBucket.objects.using(hub).prefetch_related("bucket").iterator()
        first = next(stream)  # page 1 and its storage buckets, with the first token
        assert first.bucket is not None
        clock_now[0] += 3600  # the access token is now due on both generations
        rest = list(stream)
    assert len(rest) == 3 * ANALYSES - 1
    assert all(row.bucket is not None and row.bucket.id == row.bucket_id for row in rest)
    grants = w.local.requests.filter(method="POST", path=TOKEN_PATH)
    assert len(grants) == 1  # one renewal, in the middle
    assert sorted(w.requests()) == sorted(
        [("GET", "/core/analysis-buckets")] * 8 + [("GET", "/storage/buckets")] * 8
    )


def test_in_bulk_reads_fifty_ids_a_request(w: World) -> None:
    ids = [node.id for node in w.nodes]
    found = Node.objects.using(w.hub).in_bulk(ids)
    assert set(found) == set(ids)
    assert found[ids[7]].name == "node-07"
    assert w.requests() == [("GET", "/core/nodes")] * 2


def test_a_filter_longer_than_the_safe_url_length_is_refused_before_sending(w: World) -> None:
    ids = [node.id for node in w.nodes] * 4  # 240 ids: about 9,000 URL characters
    with pytest.raises(QueryError, match=r"over the 8,000 .* Node.objects.in_bulk\(ids\)"):
        list(Node.objects.using(w.hub).filter(id__in=ids))
    assert w.requests() == []


def test_include_keeps_its_meaning(w: World) -> None:
    with pytest.raises(QueryError, match=r"cannot include 'realm' on Node.*prefetch_related"):
        list(Node.objects.using(w.hub).include("realm"))
    assert w.requests() == []


def test_exists_prefetches_nothing(w: World) -> None:
    assert Node.objects.using(w.hub).prefetch_related("realm").exists()
    assert w.requests() == [("GET", "/core/nodes")]


def test_requests_by_id_in_flight_stay_within_the_concurrency(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AnalysisBucket cannot be filtered by id: in_bulk sends one GET per id, at most
    # concurrency() at a time (each answer is delayed so that they would overlap)
    from flamehub.testing import Fault

    ids = [row.id for row in AnalysisBucket.objects.using(w.hub)[:12]]
    lock, in_flight, most = threading.Lock(), [0], [0]
    send = w.hub.send

    def counting_send(*args: object, **kwargs: object) -> object:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        try:
            return send(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(w.hub, "send", counting_send)
    w.local.inject(Fault("latency", route=r"^/core/analysis-buckets/", delay=0.02))
    try:
        for workers in (1, 3):
            most[0] = 0
            w.clear()
            found = AnalysisBucket.objects.using(w.hub).concurrency(workers).in_bulk(ids)
            assert set(found) == set(ids)
            assert len(w.requests()) == len(ids)
            assert 1 <= most[0] <= workers
    finally:
        w.local.clear_faults()
