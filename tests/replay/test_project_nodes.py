"""Project nodes and their approval: the project-node exchanges of ``core-13-projects.json``."""

from __future__ import annotations

import uuid

import pytest
import responses
from responses import matchers

from flamehub import BadRequest, Conflict, QueryError
from flamehub.models import ApprovalStatus, Node, Project, ProjectNode
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent, assert_parsed, assert_rows
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "core-13-projects")
CURRENT = Recording(CURRENT_VERSION, "core-13-projects")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX = {
    LEGACY_VERSION: {"create": 6, "create_2": 7, "duplicate": 8, "list": 9, "get": 10,
                     "short_comment": 11},
    CURRENT_VERSION: {"create": 8, "create_2": 9, "duplicate": 10, "list": 11, "get": 12,
                      "short_comment": 13, "approve": 14, "bad_status": 15},
}  # fmt: skip


def step(recording: Recording, name: str):
    return recording[INDEX[recording.version][name]]


def body_id(recording: Recording, name: str, field: str) -> uuid.UUID:
    exchange = step(recording, name)
    return uuid.UUID(exchange.body[make_hub(recording.version).dialect.wire_name(field)])


@BOTH
def test_add_nodes_to_a_project(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    project = Project(id=body_id(recording, "create", "project_id"))
    project._mark_loaded(hub)
    memberships = []
    for name in ("create", "create_2"):
        replayer.expect(step(recording, name))
        membership = project.nodes.create(node_id=body_id(recording, name, "node_id"))
        assert_parsed(membership, step(recording, name).record, hub)
        memberships.append(membership)
    first = memberships[0]
    assert first.approval_status is ApprovalStatus.APPROVED
    assert isinstance(first.project, Project) and isinstance(first.node, Node)
    # both recordings: the project embedded in the second answer counts the first node
    assert [m.project.node_count for m in memberships] == [0, 1]


@BOTH
def test_the_same_node_twice_conflicts(replayer: Replayer, recording: Recording) -> None:
    duplicate = step(recording, "duplicate")
    replayer.expect(duplicate)
    with pytest.raises(Conflict) as raised:
        ProjectNode.objects.using(make_hub(recording.version)).create(
            project_id=body_id(recording, "duplicate", "project_id"),
            node_id=body_id(recording, "duplicate", "node_id"),
        )
    assert_error(raised.value, duplicate)


@BOTH
def test_project_nodes_with_node_and_project(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    listed = step(recording, "list")
    replayer.expect(listed, default_sort=default_sort(ProjectNode, recording.version))
    project = Project(id=body_id(recording, "create", "project_id"))
    project._mark_loaded(hub)
    rows = list(project.nodes.include("node", "project"))
    assert_rows(rows, listed, hub)
    # both recordings: two rows, each with its node and the project of two nodes
    assert sorted(row.node.name for row in rows) == sorted(
        raw["node"]["name"] for raw in listed.rows
    )
    assert [row.project.node_count for row in rows] == [2, 2]


@BOTH
def test_get_and_approve_with_a_too_short_comment(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(step(recording, "get"))
    membership = ProjectNode.objects.using(hub).get(id=step(recording, "get").record["id"])
    assert_parsed(membership, step(recording, "get").record, hub)

    short = step(recording, "short_comment")
    replayer.expect(short)
    with pytest.raises(BadRequest) as raised:
        membership.approve(comment="ok")
    assert_error(raised.value, short)
    # the refused update left the object as the server last sent it
    assert membership.comment is None


def test_approve(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[12])
    membership = ProjectNode.objects.using(hub).get(id=CURRENT[12].record["id"])
    # Already approved: approve() still sends the status (save() would send only the comment).
    assert membership.approval_status is ApprovalStatus.APPROVED
    replayer.expect(CURRENT[14])
    assert membership.approve(comment="approved by recorder") is membership
    assert_parsed(membership, CURRENT[14].record, hub)
    assert membership.comment == "approved by recorder"


def test_unknown_approval_status_reaches_the_server(replayer: Replayer) -> None:
    # ApprovalStatus tolerates values it does not know; the Hub judges them.
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[12])
    membership = ProjectNode.objects.using(hub).get(id=CURRENT[12].record["id"])
    membership.approval_status = ApprovalStatus("nope")
    assert not membership.approval_status.known
    replayer.expect(CURRENT[15])
    with pytest.raises(BadRequest) as raised:
        membership.save()
    assert_error(raised.value, CURRENT[15])


def test_reject_sends_the_status(rsps: responses.RequestsMock, replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[12])
    membership = ProjectNode.objects.using(hub).get(id=CURRENT[12].record["id"])
    rejected = dict(CURRENT[14].record, approvalStatus="rejected", comment=None)
    rsps.add(
        "POST",
        f"{HUB_URL}/core/project-nodes/{membership.id}",
        json={"data": rejected, "meta": {}},
        status=202,
        match=[matchers.json_params_matcher({"approvalStatus": "rejected"})],
    )
    membership.reject()
    assert membership.approval_status is ApprovalStatus.REJECTED


def test_legacy_cannot_filter_by_approval(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="approval_status"):
        list(
            ProjectNode.objects.using(make_hub(LEGACY_VERSION)).filter(
                approval_status=ApprovalStatus.APPROVED
            )
        )
    assert_nothing_sent(rsps)


def test_project_and_node_are_create_only(rsps: responses.RequestsMock) -> None:
    membership = ProjectNode(id=uuid.uuid4())
    membership._mark_loaded(make_hub(CURRENT_VERSION))
    membership.project_id = uuid.uuid4()
    with pytest.raises(QueryError, match="create-only"):
        membership.save()
    assert_nothing_sent(rsps)


def test_node_projects_related_manager() -> None:
    hub = make_hub(LEGACY_VERSION)
    node = Node(id=uuid.uuid4())
    node._mark_loaded(hub)
    assert ("filter[node_id]", str(node.id)) in node.projects._query_params(hub)
    assert ("filter[node_id]", str(node.id)) in node.analyses._query_params(hub)
