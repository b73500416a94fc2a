"""QuerySet semantics: laziness, cloning, slicing across the 50-row cap, caching, terminals."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

import flamehub
from flamehub import ConfigurationError, QueryError
from flamehub.errors import QueryStateError
from flamehub.models import Node, Realm
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub

NODES = re.compile(re.escape(f"{HUB_URL}/core/nodes") + r"(\?.*)?$")


class PagedNodes:
    """A fake /nodes collection that pages like the Hub (cap 50, meta.total)."""

    def __init__(self, count: int, *, legacy_meta: bool = False, cap: int = 50) -> None:
        self.rows = [
            {"id": str(uuid.UUID(int=i + 1)), "name": f"node-{i:04d}", "hidden": i % 2 == 0}
            for i in range(count)
        ]
        self.legacy_meta = legacy_meta
        self.cap = cap
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        import json

        params = dict(parse_qsl(urlsplit(request.url).query))
        self.requests.append(params)
        limit = min(int(params.get("page[limit]", self.cap)), self.cap)
        offset = int(params.get("page[offset]", 0))
        page = self.rows[offset : offset + limit]
        meta: dict[str, Any] = {"total": len(self.rows)}
        if not self.legacy_meta:
            meta.update(limit=limit, offset=offset)
        return 200, {"Content-Type": "application/json"}, json.dumps({"data": page, "meta": meta})


@pytest.fixture
def nodes_120(rsps: responses.RequestsMock) -> PagedNodes:
    fake = PagedNodes(120)
    rsps.add_callback("GET", NODES, callback=fake)
    return fake


@pytest.fixture
def lenient() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_builders_are_lazy_and_clone(lenient) -> None:
    hub = make_hub(CURRENT_VERSION)
    base = Node.objects.using(hub).filter(hidden=False)
    narrowed = base.filter(name__startswith="a").order_by("-created_at")[:10]
    assert base is not narrowed
    assert len(lenient.calls) == 0
    assert base._where != narrowed._where


def test_full_evaluation_pages_with_total(nodes_120) -> None:
    hub = make_hub(CURRENT_VERSION)
    rows = list(Node.objects.using(hub))
    assert [row.name for row in rows] == [f"node-{i:04d}" for i in range(120)]
    offsets = [request.get("page[offset]", "0") for request in nodes_120.requests]
    assert offsets[0] == "0"  # the first page alone; the others may arrive in any order
    assert sorted(offsets, key=int) == ["0", "50", "100"]
    assert all(request["sort"] == "createdAt,name" for request in nodes_120.requests)


def test_slice_across_the_cap(nodes_120) -> None:
    hub = make_hub(CURRENT_VERSION)
    rows = Node.objects.using(hub)[30:110]
    assert [row.name for row in rows] == [f"node-{i:04d}" for i in range(30, 110)]
    pages = [(r.get("page[offset]"), r.get("page[limit]")) for r in nodes_120.requests]
    assert sorted(pages) == [("30", "50"), ("80", "30")]


def test_slice_of_slice_and_index(nodes_120) -> None:
    hub = make_hub(CURRENT_VERSION)
    qs = Node.objects.using(hub)[10:100][5:15]
    assert [row.name for row in qs] == [f"node-{i:04d}" for i in range(15, 25)]
    assert Node.objects.using(hub)[73].name == "node-0073"
    assert nodes_120.requests[-1]["page[limit]"] == "1"
    assert nodes_120.requests[-1]["page[offset]"] == "73"
    with pytest.raises(IndexError):
        Node.objects.using(hub)[500]


def test_legacy_meta_without_limit_still_pages(rsps) -> None:
    fake = PagedNodes(75, legacy_meta=True)
    rsps.add_callback("GET", NODES, callback=fake)
    rows = list(Node.objects.using(make_hub(LEGACY_VERSION)))
    assert len(rows) == 75
    assert fake.requests[0]["sort"] == "created_at,name"


def test_server_capping_below_requested_page_is_followed(rsps) -> None:
    fake = PagedNodes(45, cap=20)
    rsps.add_callback("GET", NODES, callback=fake)
    rows = list(Node.objects.using(make_hub(CURRENT_VERSION)))
    assert len(rows) == 45
    assert sorted((r.get("page[offset]", "0") for r in fake.requests), key=int) == [
        "0",
        "20",
        "40",
    ]


def test_iterator_does_not_cache(nodes_120) -> None:
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    assert sum(1 for _ in qs.iterator()) == 120
    assert qs._result_cache is None
    assert sum(1 for _ in qs.iterator()) == 120
    assert len(nodes_120.requests) == 6


def test_evaluation_is_cached(nodes_120) -> None:
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    assert len(qs) == 120
    assert bool(qs)
    assert qs[3].name == "node-0003"
    assert qs.count() == 120
    assert qs.first().name == "node-0000"
    assert qs.last().name == "node-0119"
    assert [row.name for row in qs[118:]] == ["node-0118", "node-0119"]
    assert len(nodes_120.requests) == 3


def test_count_reads_meta_total_with_one_small_request(nodes_120) -> None:
    hub = make_hub(CURRENT_VERSION)
    assert Node.objects.using(hub).count() == 120
    assert nodes_120.requests[-1] == {"page[limit]": "1"}
    assert Node.objects.using(hub)[100:].count() == 20
    assert Node.objects.using(hub)[10:20].count() == 10
    assert Node.objects.using(hub).exists()


def test_first_and_last(nodes_120) -> None:
    hub = make_hub(CURRENT_VERSION)
    assert Node.objects.using(hub).first().name == "node-0000"
    assert nodes_120.requests[-1]["sort"] == "createdAt,name"
    assert nodes_120.requests[-1]["page[limit]"] == "1"
    Node.objects.using(hub).last()
    assert nodes_120.requests[-1]["sort"] == "-createdAt,-name"
    Node.objects.using(hub).order_by("name").last()
    assert nodes_120.requests[-1]["sort"] == "-name"


def test_first_of_empty_is_none(rsps) -> None:
    rsps.add_callback("GET", NODES, callback=PagedNodes(0))
    assert Node.objects.using(make_hub(CURRENT_VERSION)).first() is None


def test_get_direct_by_id(rsps, version) -> None:
    node_id = "a99721cc-d7f4-4ff2-9b95-8fec1396d348"
    record = {"id": node_id, "name": "n"}
    body = {"data": record, "meta": {}} if version == CURRENT_VERSION else record
    rsps.add("GET", f"{HUB_URL}/core/nodes/{node_id}", json=body)
    node = Node.objects.using(make_hub(version)).get(id=node_id)
    assert node.id == uuid.UUID(node_id)


def test_get_missing_raises_model_does_not_exist(rsps) -> None:
    node_id = "9ee4a95d-3eba-42e8-9e35-2113533a6a13"
    rsps.add(
        "GET",
        f"{HUB_URL}/core/nodes/{node_id}",
        status=404,
        json={
            "statusCode": 404,
            "code": "entity_not_found",
            "message": "The node was not found.",
            "issues": [],
        },
    )
    with pytest.raises(Node.DoesNotExist) as caught:
        Node.objects.using(make_hub(CURRENT_VERSION)).get(id=node_id)
    assert isinstance(caught.value, flamehub.ObjectDoesNotExist)
    assert isinstance(caught.value.__cause__, flamehub.NotFound)
    assert not issubclass(Node.DoesNotExist, Realm.DoesNotExist)


def test_get_by_filter_one_many_none(rsps) -> None:
    fake = PagedNodes(3)
    rsps.add_callback("GET", NODES, callback=fake)
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(Node.MultipleObjectsReturned, match="found 3"):
        Node.objects.using(hub).get(hidden=True)
    assert fake.requests[-1]["page[limit]"] == "2"
    fake.rows = fake.rows[:1]
    assert Node.objects.using(hub).get(name="node-0000").name == "node-0000"
    fake.rows = []
    with pytest.raises(Node.DoesNotExist, match="no Node matches"):
        Node.objects.using(hub).get(name="x")


def test_negative_index_and_slices_fail_locally() -> None:
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    with pytest.raises(QueryError, match="negative indexing"):
        qs[-1]
    with pytest.raises(QueryError, match="negative slice"):
        qs[-5:]
    with pytest.raises(QueryError, match="steps"):
        qs[::2]
    with pytest.raises(TypeError):
        qs["a"]  # type: ignore[index]


def test_filter_after_slice_is_a_type_error() -> None:
    sliced = Node.objects.using(make_hub(CURRENT_VERSION))[:5]
    with pytest.raises(TypeError, match="sliced"):
        sliced.filter(name="a")
    with pytest.raises(QueryStateError):
        sliced.order_by("name")


def test_no_default_hub_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="flamehub.connect"):
        list(Node.objects.all())


def test_connect_sets_the_default(nodes_120) -> None:
    flamehub.connect(make_hub(CURRENT_VERSION))
    assert Node.objects.count() == 120


def test_page_size_option(nodes_120) -> None:
    qs = Node.objects.using(make_hub(CURRENT_VERSION)).page_size(40)
    assert len(list(qs.iterator())) == 120
    assert [r.get("page[limit]") for r in nodes_120.requests] == ["40", "40", "40"]
    with pytest.raises(QueryError):
        qs.page_size(51)


def test_only_and_with_fields(rsps) -> None:
    fake = PagedNodes(1)
    rsps.add_callback("GET", NODES, callback=fake)
    hub = make_hub(CURRENT_VERSION)
    list(Node.objects.using(hub).only("name"))
    assert fake.requests[-1]["fields"] == "id,name"
    list(Node.objects.using(hub).with_fields("public_key"))
    assert fake.requests[-1]["fields"] == "+publicKey"
    list(Node.objects.using(hub).include("registry", "registry_project"))
    assert fake.requests[-1]["include"] == "registry,registryProject"
    list(Node.objects.using(make_hub(LEGACY_VERSION)).include("registry_project"))
    assert fake.requests[-1]["include"] == "registry_project"


def test_reverse_needs_some_ordering(lenient) -> None:
    from flamehub.models import MasterImage

    hub = make_hub(CURRENT_VERSION)
    lenient.add("GET", f"{HUB_URL}/core/master-images", json={"data": [], "meta": {"total": 0}})
    MasterImage.objects.using(hub).last()
    assert "sort=-path" in lenient.calls[-1].request.url
    MasterImage.objects.using(hub).first()
    assert "sort" not in urlsplit(lenient.calls[-1].request.url).query


def test_repr_without_hub_is_not_a_request() -> None:
    assert "no hub connected" in repr(Node.objects.filter(name="a"))
