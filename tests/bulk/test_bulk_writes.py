"""update(), delete() and bulk_create() on a LocalHub of each generation (issue #14).

Request counts are read from the LocalHub's log; partial failures come from injected
faults, and every failed row must be reported once, with its own error, after the loop
has finished every other row.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from flamehub import BulkError, Hub, HubTimeout, QueryError, ServerError
from flamehub.models import Node
from flamehub.testing import Fault, LocalHub

from .conftest import core_requests


def make_nodes(hub: Hub, realm_id: str, count: int, prefix: str = "site-") -> list[Node]:
    return Node.objects.using(hub).bulk_create(
        [Node(name=f"{prefix}{i:03}", realm_id=realm_id) for i in range(count)]
    )


def stored_names(hub: Hub, prefix: str = "site-") -> set[str]:
    return {node.name for node in Node.objects.using(hub).filter(name__startswith=prefix)}


# -- bulk_create ----------------------------------------------------------------------


def test_bulk_create_returns_the_created_rows_in_order(hub: Hub, local: LocalHub, realm_id: str):
    local.requests.clear()
    objs = [Node(name=f"site-{i:03}", realm_id=realm_id) for i in range(60)]
    created = Node.objects.using(hub).bulk_create(objs)
    assert created == objs and all(a is b for a, b in zip(created, objs, strict=True))
    assert [node.name for node in created] == [f"site-{i:03}" for i in range(60)]
    assert len({node.id for node in created}) == 60 and all(node.is_saved for node in created)
    assert core_requests(local) == [("POST", "/core/nodes")] * 60  # no bulk endpoint, no reads
    assert stored_names(hub) == {f"site-{i:03}" for i in range(60)}


def test_bulk_create_checks_every_object_before_sending(hub: Hub, local: LocalHub, realm_id: str):
    local.requests.clear()
    good = Node(name="site-good", realm_id=realm_id)
    bad = Node(name="site-bad", realm_id=realm_id, created_at=datetime.now(timezone.utc))
    with pytest.raises(QueryError, match="position 1: Node.created_at is read-only"):
        Node.objects.using(hub).bulk_create([good, bad])
    with pytest.raises(QueryError, match="position 2 is the one at position 0 again"):
        Node.objects.using(hub).bulk_create([good, Node(name="site-b"), good])
    with pytest.raises(QueryError, match="position 0 already exists"):
        Node.objects.using(hub).bulk_create([make_nodes(hub, realm_id, 1)[0]])
    assert core_requests(local) == [("POST", "/core/nodes")]  # only make_nodes' create
    assert not good.is_saved


def test_bulk_create_finishes_the_other_rows_and_reports_each_failure_once(
    hub: Hub, local: LocalHub, realm_id: str
):
    local.requests.clear()
    local.inject(Fault("status", route=r"^/core/nodes$", method="POST", status=500, times=3))
    objs = [Node(name=f"site-{i:03}", realm_id=realm_id) for i in range(40)]
    with pytest.raises(BulkError) as caught:
        Node.objects.using(hub).bulk_create(objs)
    error = caught.value
    assert error.operation == "bulk_create"
    assert len(error.failed) == 3 and len(error.succeeded) == 37
    assert all(isinstance(failure, ServerError) for _, failure in error.failed)
    failed_ids = {id(obj) for obj, _ in error.failed}
    succeeded_ids = {id(obj) for obj in error.succeeded}
    assert failed_ids.isdisjoint(succeeded_ids) and failed_ids | succeeded_ids == set(map(id, objs))
    assert [objs.index(obj) for obj in error.succeeded] == sorted(
        objs.index(obj) for obj in error.succeeded
    )  # input order
    assert not any(obj.is_saved for obj, _ in error.failed)
    assert len(core_requests(local, "POST")) == 40  # a failed create is never resent
    assert stored_names(hub) == {obj.name for obj in error.succeeded}
    assert "3 of 40 rows failed (ServerError)" in str(error)


def test_a_create_that_timed_out_is_a_failed_row_never_resent(local: LocalHub, realm_id: str):
    from flamehub import PasswordAuth

    with Hub(local.url, auth=PasswordAuth(*local.admin_credentials), timeout=(5, 0.5)) as slow:
        local.requests.clear()
        local.inject(Fault("latency", route=r"^/core/nodes$", method="POST", delay=1.0, times=1))
        objs = [Node(name=f"site-{i:03}", realm_id=realm_id) for i in range(6)]
        with pytest.raises(BulkError) as caught:
            Node.objects.using(slow).concurrency(1).bulk_create(objs)
        ((row, failure),) = caught.value.failed
        assert isinstance(failure, HubTimeout) and "outcome is unknown" in str(failure)
        assert row is objs[0] and len(caught.value.succeeded) == 5
        assert len(core_requests(local, "POST")) == 6
        assert not row.is_saved
        # the Hub carries it out once its delay is over: sending it again would duplicate it
        deadline = time.monotonic() + 10
        while len(stored_names(slow)) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stored_names(slow) == {obj.name for obj in objs}
        assert len(core_requests(local, "POST")) == 6


# -- update ------------------------------------------------------------------------------


def test_update_sends_one_update_per_matching_row(hub: Hub, local: LocalHub, realm_id: str):
    make_nodes(hub, realm_id, 60)
    make_nodes(hub, realm_id, 3, prefix="keep-")
    local.requests.clear()
    assert Node.objects.using(hub).filter(name__startswith="site-").update(hidden=True) == 60
    reads = core_requests(local, "GET")
    writes = core_requests(local, "POST")
    assert len(reads) == 2 and {path for _, path in reads} == {"/core/nodes"}  # 50 + 10 rows
    assert len(writes) == 60 and all(path.startswith("/core/nodes/") for _, path in writes)
    assert {n.hidden for n in Node.objects.using(hub).filter(name__startswith="site-")} == {True}
    assert {n.hidden for n in Node.objects.using(hub).filter(name__startswith="keep-")} == {False}


def test_update_refuses_bad_values_before_any_request(hub: Hub, local: LocalHub):
    local.requests.clear()
    nodes = Node.objects.using(hub).filter(name__startswith="site-")
    with pytest.raises(QueryError, match="colour"):
        nodes.update(colour="red")
    with pytest.raises(QueryError):
        nodes.update(id="f00")
    with pytest.raises(QueryError, match="needs field=value"):
        nodes.update()
    with pytest.raises(QueryError, match="sliced"):
        nodes[:3].update(hidden=True)
    assert core_requests(local) == []


def test_update_finishes_the_other_rows_when_some_fail(hub: Hub, local: LocalHub, realm_id: str):
    nodes = make_nodes(hub, realm_id, 12)
    victim = nodes[4]
    local.inject(Fault("status", route=rf"^/core/nodes/{victim.id}$", method="POST", status=500))
    with pytest.raises(BulkError) as caught:
        Node.objects.using(hub).filter(name__startswith="site-").update(hidden=True)
    ((row, failure),) = caught.value.failed
    assert row.id == victim.id and isinstance(failure, ServerError)
    assert len(caught.value.succeeded) == 11 and victim.id not in {
        node.id for node in caught.value.succeeded
    }
    hidden = {n.id: n.hidden for n in Node.objects.using(hub).filter(name__startswith="site-")}
    assert hidden.pop(victim.id) is False and set(hidden.values()) == {True}


def test_update_and_delete_leave_rows_the_hub_matched_only_ignoring_case(
    hub: Hub, local: LocalHub, realm_id: str
):
    # Current Hubs compare strings case-insensitively (query-semantics.md); legacy ones do not.
    nodes = Node.objects.using(hub)
    lower = nodes.create(name="site-a", realm_id=realm_id)
    upper = nodes.create(name="SITE-A", realm_id=realm_id)
    assert nodes.filter(name="site-a").update(hidden=True) == 1
    assert nodes.get(id=lower.id).hidden is True and nodes.get(id=upper.id).hidden is False
    assert nodes.filter(name__in=["site-a"]).delete() == (1, {"Node": 1})
    assert [node.id for node in nodes.filter(name__startswith="site-")] == [upper.id]


# -- delete ------------------------------------------------------------------------------


def test_delete_returns_the_count_per_model(hub: Hub, local: LocalHub, realm_id: str):
    make_nodes(hub, realm_id, 7)
    make_nodes(hub, realm_id, 2, prefix="keep-")
    local.requests.clear()
    assert Node.objects.using(hub).filter(name__startswith="site-").delete() == (7, {"Node": 7})
    assert len(core_requests(local, "DELETE")) == 7 and len(core_requests(local, "GET")) == 1
    assert stored_names(hub) == set() and len(stored_names(hub, "keep-")) == 2
    assert Node.objects.using(hub).filter(name__startswith="site-").delete() == (0, {})


def test_delete_finishes_the_other_rows_when_some_fail(hub: Hub, local: LocalHub, realm_id: str):
    nodes = make_nodes(hub, realm_id, 9)
    victim = nodes[2]
    local.inject(Fault("status", route=rf"^/core/nodes/{victim.id}$", method="DELETE", status=500))
    with pytest.raises(BulkError) as caught:
        Node.objects.using(hub).filter(name__startswith="site-").delete()
    assert [row.id for row, _ in caught.value.failed] == [victim.id]
    assert len(caught.value.succeeded) == 8
    assert [node.id for node in Node.objects.using(hub).filter(name__startswith="site-")] == [
        victim.id
    ]


def test_none_writes_nothing(hub: Hub, local: LocalHub, realm_id: str):
    make_nodes(hub, realm_id, 2)
    local.requests.clear()
    assert Node.objects.using(hub).none().update(hidden=True) == 0
    assert Node.objects.using(hub).none().delete() == (0, {})
    assert core_requests(local) == []
    assert len(stored_names(hub)) == 2


def test_the_new_errors_are_public() -> None:
    import flamehub
    from flamehub import errors

    assert flamehub.BulkError is errors.BulkError and "BulkError" in flamehub.__all__
    assert flamehub.RateLimited is errors.RateLimited and "RateLimited" in flamehub.__all__
    assert issubclass(errors.BulkError, errors.FlamehubError)
    assert errors.error_class_for(429) is errors.RateLimited
