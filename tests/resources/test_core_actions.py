"""Core actions the recordings do not reach, against answers shaped as hub-api.md says.

Credentials (§5.1, §5.8), analysis commands per Hub version (§5.1.2, §9.1), client
permissions (§5.1), master image build/sync (§5.7), registry service commands
(§5.13) and approvals (§5.4, §5.10): exact method, path, query and body per
generation, and the parsed result.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from flamehub import NotFound, QueryError, UnsupportedByHub
from flamehub.models import (
    Analysis,
    AnalysisCommand,
    AnalysisNode,
    ApprovalStatus,
    ClientCredentials,
    ClientPermission,
    MasterImage,
    Node,
    Permission,
    ProcessStatus,
    ProjectNode,
    Registry,
    RegistryCommand,
    RegistryCredentials,
    RegistryProject,
    analysis_commands,
)
from flamehub.resources.base import Resource
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_nothing_sent
from tests.replay.harness import Recording
from tests.resources._hub import endpoint, envelope

ANALYSIS_ID = uuid.UUID("82fa4848-ddcb-4bb8-9734-afecc3577288")
NODE_ID = uuid.UUID("a99721cc-d7f4-4ff2-9b95-8fec1396d348")
CLIENT_ID = uuid.UUID("eed31d71-81f2-473d-9946-41e5a7b08938")
SECRET = "9f" * 32

#: Recorded analysis records, used as the body of command answers.
ANALYSIS = {
    CURRENT_VERSION: Recording(CURRENT_VERSION, "core-14-analyses")[3].record,
    LEGACY_VERSION: Recording(LEGACY_VERSION, "core-14-analyses")[3].record,
}


def bound(model: type[Resource], version: str, **values: Any) -> Any:
    obj = model(**values)
    obj._mark_loaded(make_hub(version))
    return obj


# -- credentials ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "answer"),
    [
        (CURRENT_VERSION, {"id": str(CLIENT_ID), "name": str(NODE_ID), "displayName": "node",
                           "secret": SECRET}),
        ("0.11.4", {"id": str(CLIENT_ID), "name": str(NODE_ID), "display_name": "node",
                    "secret": SECRET}),
    ],
    ids=["current", "legacy-0.11.4"],
)  # fmt: skip
def test_node_client_credentials(
    rsps: responses.RequestsMock, version: str, answer: dict[str, Any]
) -> None:
    fake = endpoint(rsps, "GET", f"/core/nodes/{NODE_ID}/client/credentials", answer)
    creds = bound(Node, version, id=NODE_ID).client_credentials()
    assert fake.only.query == [] and fake.only.body is None
    assert creds == ClientCredentials(
        id=CLIENT_ID, name=str(NODE_ID), display_name="node", secret=SECRET
    )
    assert SECRET not in repr(creds) and "'<hidden>'" in repr(creds)


@pytest.mark.parametrize(
    ("secret", "body"), [(None, {}), ("chosen-secret", {"secret": "chosen-secret"})]
)
def test_node_rotate_client_secret(
    rsps: responses.RequestsMock, secret: str | None, body: dict[str, str]
) -> None:
    answer = {"id": str(CLIENT_ID), "name": str(NODE_ID), "displayName": None,
              "secret": secret or SECRET}  # fmt: skip
    fake = endpoint(rsps, "POST", f"/core/nodes/{NODE_ID}/client/credentials", answer)
    creds = bound(Node, CURRENT_VERSION, id=NODE_ID).rotate_client_secret(secret)
    assert fake.only.body == body
    assert creds.secret == (secret or SECRET) and creds.display_name is None


@pytest.mark.parametrize(
    ("version", "answer"),
    [
        (CURRENT_VERSION, {"host": "harbor.example.com", "externalName": "site-a",
                           "accountName": "robot$site-a", "accountSecret": SECRET}),
        ("0.11.5", {"host": "harbor.example.com", "external_name": "site-a",
                    "account_name": "robot$site-a", "account_secret": SECRET}),
    ],
    ids=["current", "legacy-0.11.5"],
)  # fmt: skip
def test_node_registry_credentials(
    rsps: responses.RequestsMock, version: str, answer: dict[str, Any]
) -> None:
    fake = endpoint(rsps, "GET", f"/core/nodes/{NODE_ID}/registry/credentials", answer)
    creds = bound(Node, version, id=NODE_ID).registry_credentials()
    assert fake.only.method == "GET"
    assert creds == RegistryCredentials("harbor.example.com", "site-a", "robot$site-a", SECRET)
    assert SECRET not in repr(creds)


@pytest.mark.parametrize(
    ("version", "method"),
    [
        (LEGACY_VERSION, "client_credentials"),
        (LEGACY_VERSION, "rotate_client_secret"),
        ("0.11.4", "registry_credentials"),
    ],
)
def test_credentials_before_their_hub_version(
    rsps: responses.RequestsMock, version: str, method: str
) -> None:
    node = bound(Node, version, id=NODE_ID)
    with pytest.raises(UnsupportedByHub, match=r"Node\." + method):
        getattr(node, method)()
    assert_nothing_sent(rsps)


def test_credentials_need_a_saved_object(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="no id"):
        bound(Node, CURRENT_VERSION).client_credentials()
    assert_nothing_sent(rsps)


def test_analysis_client_credentials(rsps: responses.RequestsMock) -> None:
    answer = {"id": str(CLIENT_ID), "name": str(ANALYSIS_ID), "displayName": None,
              "secret": SECRET}  # fmt: skip
    read = endpoint(rsps, "GET", f"/core/analyses/{ANALYSIS_ID}/client/credentials", answer)
    rotate = endpoint(rsps, "POST", f"/core/analyses/{ANALYSIS_ID}/client/credentials", answer)
    analysis = bound(Analysis, CURRENT_VERSION, id=ANALYSIS_ID)
    assert analysis.client_credentials().id == CLIENT_ID
    assert analysis.rotate_client_secret("new-secret-value").secret == SECRET
    assert read.only.body is None
    assert rotate.only.body == {"secret": "new-secret-value"}


def test_credentials_answer_must_be_an_object(rsps: responses.RequestsMock) -> None:
    from flamehub import InvalidResponse

    endpoint(rsps, "GET", f"/core/nodes/{NODE_ID}/client/credentials", ["not", "an", "object"])
    with pytest.raises(InvalidResponse):
        bound(Node, CURRENT_VERSION, id=NODE_ID).client_credentials()


# -- analysis client permissions --------------------------------------------------------

PERMISSION = {
    "id": "5d1c3b36-94c6-4bd3-9e83-f1a2d3c4b5a6", "builtIn": False,
    "name": "analysis_self_storage_use", "displayName": None, "description": None,
    "decisionStrategy": None, "clientId": None, "realmId": None,
    "createdAt": "2026-11-28T15:46:50.000Z", "updatedAt": "2026-11-28T15:46:50.000Z",
}  # fmt: skip
GRANT = {
    "id": "0b9d2f6e-7a41-4d2b-8c55-3e1f0a9b8c7d", "clientId": str(CLIENT_ID),
    "clientRealmId": None, "permissionId": PERMISSION["id"], "permissionRealmId": None,
    "policyId": None, "realmScope": "own", "createdAt": "2026-11-28T15:47:20.000Z",
    "updatedAt": "2026-11-28T15:47:20.000Z",
}  # fmt: skip


def test_analysis_client_permissions(rsps: responses.RequestsMock) -> None:
    base = f"/core/analyses/{ANALYSIS_ID}/client/permissions"
    listing = endpoint(
        rsps, "GET", base, {"data": [dict(GRANT, permission=PERMISSION)], "meta": {"total": 1}}
    )
    add = endpoint(rsps, "POST", base, {"data": GRANT, "meta": {}}, status=201)
    remove = endpoint(rsps, "DELETE", f"{base}/{PERMISSION['id']}", {"data": GRANT, "meta": {}},
                      status=202)  # fmt: skip
    analysis = bound(Analysis, CURRENT_VERSION, id=ANALYSIS_ID)

    (grant,) = analysis.client_permissions()
    assert isinstance(grant, ClientPermission) and grant.client_id == CLIENT_ID
    assert isinstance(grant.permission, Permission)
    assert grant.permission.name == "analysis_self_storage_use"
    assert listing.only.query == []

    added = analysis.add_client_permission("analysis_self_storage_use")
    assert add.only.body == {"permissionId": "analysis_self_storage_use"}
    assert added.id == uuid.UUID(GRANT["id"])

    permission = Permission(id=uuid.UUID(PERMISSION["id"]))
    removed = analysis.remove_client_permission(permission)
    assert remove.only.method == "DELETE" and removed.permission_id == permission.id


def test_legacy_client_permission_body_is_snake_case(rsps: responses.RequestsMock) -> None:
    grant = {"id": GRANT["id"], "client_id": str(CLIENT_ID), "permission_id": PERMISSION["id"]}
    add = endpoint(rsps, "POST", f"/core/analyses/{ANALYSIS_ID}/client/permissions", grant,
                   status=201)  # fmt: skip
    added = bound(Analysis, "0.11.4", id=ANALYSIS_ID).add_client_permission(PERMISSION["id"])
    assert add.only.body == {"permission_id": PERMISSION["id"]}
    assert added.client_id == CLIENT_ID


def test_removing_an_unassigned_permission(rsps: responses.RequestsMock) -> None:
    answer = {"statusCode": 404, "code": "entity_not_found", "message": "not assigned",
              "issues": []}  # fmt: skip
    endpoint(rsps, "DELETE", f"/core/analyses/{ANALYSIS_ID}/client/permissions/x_perm", answer,
             status=404)  # fmt: skip
    with pytest.raises(NotFound) as raised:
        bound(Analysis, CURRENT_VERSION, id=ANALYSIS_ID).remove_client_permission("x_perm")
    assert raised.value.code == "entity_not_found"


def test_permission_ids_cannot_be_paths(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError):
        bound(Analysis, CURRENT_VERSION, id=ANALYSIS_ID).remove_client_permission("../nodes")
    assert_nothing_sent(rsps)


# -- analysis commands ------------------------------------------------------------------

COMMAND_METHODS = {
    AnalysisCommand.BUILD_START: "build_start",
    AnalysisCommand.BUILD_CHECK: "build_check",
    AnalysisCommand.CONFIGURATION_LOCK: "configuration_lock",
    AnalysisCommand.CONFIGURATION_UNLOCK: "configuration_unlock",
    AnalysisCommand.DISTRIBUTION_START: "distribution_start",
    AnalysisCommand.DISTRIBUTION_CHECK: "distribution_check",
    AnalysisCommand.STORAGE_CHECK: "storage_check",
    AnalysisCommand.SPIN_UP: "spin_up",
    AnalysisCommand.TEAR_DOWN: "tear_down",
    AnalysisCommand.BUILD_STOP: "build_stop",
    AnalysisCommand.BUILD_STATUS: "request_build_status",
}

#: (Hub version, the commands it has): hub-api §5.1.2 and §9.1.
COMMANDS_BY_VERSION = {
    "0.8.13": {"spinUp", "tearDown", "buildStart", "buildStop", "buildStatus",
               "configurationLock", "configurationUnlock"},
    "0.8.22": {"buildStart", "buildCheck", "configurationLock", "configurationUnlock",
               "distributionStart", "distributionCheck"},
    "0.8.24": {"buildStart", "buildCheck", "configurationLock", "configurationUnlock",
               "distributionStart", "distributionCheck", "storageCheck"},
    "0.14.0": {"buildStart", "buildCheck", "configurationLock", "configurationUnlock",
               "distributionStart", "distributionCheck", "storageCheck"},
}  # fmt: skip


def test_every_command_has_a_method() -> None:
    assert set(COMMAND_METHODS) == set(AnalysisCommand)
    for method in COMMAND_METHODS.values():
        assert callable(getattr(Analysis, method))


@pytest.mark.parametrize("version", sorted(COMMANDS_BY_VERSION))
def test_commands_per_hub_version(version: str) -> None:
    dialect = make_hub(version).dialect
    assert {command.value for command in analysis_commands(dialect)} == COMMANDS_BY_VERSION[version]


@pytest.mark.parametrize(
    ("version", "command"),
    [(version, command) for version, names in COMMANDS_BY_VERSION.items() for command in names],
)
def test_command_methods_send_the_command(
    rsps: responses.RequestsMock, version: str, command: str
) -> None:
    current = version == CURRENT_VERSION
    record = dict(ANALYSIS[CURRENT_VERSION if current else LEGACY_VERSION])
    record["buildStatus" if current else "build_status"] = "starting"
    fake = endpoint(rsps, "POST", f"/core/analyses/{ANALYSIS_ID}/command",
                    envelope(record, current), status=202)  # fmt: skip
    analysis = bound(Analysis, version, id=ANALYSIS_ID)
    returned = getattr(analysis, COMMAND_METHODS[AnalysisCommand(command)])()
    assert fake.only.body == {"command": command}
    assert returned is analysis and analysis.build_status is ProcessStatus.STARTING
    assert analysis.name == record["name"]


@pytest.mark.parametrize(
    ("version", "command"),
    [
        (version, command)
        for version, names in COMMANDS_BY_VERSION.items()
        for command in {c.value for c in AnalysisCommand} - names
    ],
)
def test_commands_a_hub_lacks_are_refused(
    rsps: responses.RequestsMock, version: str, command: str
) -> None:
    analysis = bound(Analysis, version, id=ANALYSIS_ID)
    with pytest.raises(UnsupportedByHub, match=command):
        analysis.command(command)
    with pytest.raises(UnsupportedByHub):
        getattr(analysis, COMMAND_METHODS[AnalysisCommand(command)])()
    assert_nothing_sent(rsps)


def test_generic_command_takes_the_enum(rsps: responses.RequestsMock) -> None:
    fake = endpoint(rsps, "POST", f"/core/analyses/{ANALYSIS_ID}/command",
                    envelope(ANALYSIS[CURRENT_VERSION], True), status=202)  # fmt: skip
    bound(Analysis, CURRENT_VERSION, id=ANALYSIS_ID).command(AnalysisCommand.STORAGE_CHECK)
    assert fake.only.body == {"command": "storageCheck"}


# -- master images ------------------------------------------------------------------------

IMAGE = {
    "id": "3c1e8f0a-2b7d-4e6f-9a8b-1c2d3e4f5a6b", "name": "python-base", "path": "python/base",
    "virtualPath": "python/base", "groupVirtualPath": "python", "command": "python",
    "commandArguments": None, "buildStatus": "starting", "buildProgress": 0, "buildHash": None,
    "buildSize": None, "createdAt": "2026-11-28T15:47:20.000Z",
    "updatedAt": "2026-11-28T15:47:21.000Z",
}  # fmt: skip


def test_master_image_build(rsps: responses.RequestsMock) -> None:
    fake = endpoint(rsps, "POST", "/core/master-images/command", {"data": IMAGE, "meta": {}},
                    status=202)  # fmt: skip
    image = bound(MasterImage, CURRENT_VERSION, id=uuid.UUID(IMAGE["id"]))
    assert image.build() is image
    assert fake.only.body == {"command": "build", "id": IMAGE["id"]}
    assert image.build_status is ProcessStatus.STARTING and image.name == "python-base"


def test_master_image_build_is_current_only(rsps: responses.RequestsMock) -> None:
    with pytest.raises(UnsupportedByHub, match="build"):
        bound(MasterImage, LEGACY_VERSION, id=uuid.UUID(IMAGE["id"])).build()
    assert_nothing_sent(rsps)


def test_master_image_sync_uses_the_default_hub(rsps: responses.RequestsMock) -> None:
    import flamehub

    fake = endpoint(rsps, "POST", "/core/master-images/command", {"data": None, "meta": {}},
                    status=202)  # fmt: skip
    flamehub.connect(make_hub(CURRENT_VERSION))
    MasterImage.objects.sync()
    assert fake.only.body == {"command": "sync"}


# -- registry service commands -----------------------------------------------------------

REGISTRY_ID = uuid.UUID("4644834d-c08d-4591-b591-521170ce2ee6")
PROJECT_ID = uuid.UUID("1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6")


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda r, p: r.setup(), {"command": "setup", "id": str(REGISTRY_ID)}),
        (lambda r, p: r.cleanup(), {"command": "cleanup", "id": str(REGISTRY_ID)}),
        (lambda r, p: r.delete_remote(), {"command": "delete", "id": str(REGISTRY_ID)}),
        (lambda r, p: r.command(RegistryCommand.SETUP, secret="harbor-secret"),
         {"command": "setup", "id": str(REGISTRY_ID), "secret": "harbor-secret"}),
        (lambda r, p: p.link(), {"command": "projectLink", "id": str(PROJECT_ID)}),
        (lambda r, p: p.link(secret="robot-secret"),
         {"command": "projectLink", "id": str(PROJECT_ID), "secret": "robot-secret"}),
        (lambda r, p: p.unlink(), {"command": "projectUnlink", "id": str(PROJECT_ID)}),
    ],
    ids=["setup", "cleanup", "delete", "command", "link", "link-secret", "unlink"],
)  # fmt: skip
def test_registry_service_commands(
    rsps: responses.RequestsMock, version: str, call: Any, body: dict[str, str]
) -> None:
    fake = endpoint(rsps, "POST", "/core/services/registry/command", None, status=202)
    registry = bound(Registry, version, id=REGISTRY_ID)
    project = bound(RegistryProject, version, id=PROJECT_ID)
    assert call(registry, project) is None
    assert fake.only.body == body


def test_registry_command_refusals(rsps: responses.RequestsMock) -> None:
    registry = bound(Registry, CURRENT_VERSION, id=REGISTRY_ID)
    with pytest.raises(QueryError, match="unknown registry command"):
        registry.command("reboot")
    with pytest.raises(QueryError, match="RegistryProject.link"):
        registry.command("projectLink")
    assert_nothing_sent(rsps)


# -- approvals and execution status ------------------------------------------------------


def analysis_node_record(**changes: Any) -> dict[str, Any]:
    record = dict(Recording(CURRENT_VERSION, "core-14-analyses")[9].record)
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("call", "body", "changes"),
    [
        (lambda n: n.approve(), {"approvalStatus": "approved"}, {}),
        (lambda n: n.reject(comment="not our data"),
         {"approvalStatus": "rejected", "comment": "not our data"},
         {"approvalStatus": "rejected", "comment": "not our data"}),
        (lambda n: n.set_execution_status(ProcessStatus.EXECUTING, progress=40),
         {"executionStatus": "executing", "executionProgress": 40},
         {"executionStatus": "executing", "executionProgress": 40}),
        (lambda n: n.set_execution_status(None), {"executionStatus": None}, {}),
    ],
    ids=["approve", "reject", "executing", "clear"],
)  # fmt: skip
def test_analysis_node_updates(
    rsps: responses.RequestsMock, call: Any, body: dict[str, Any], changes: dict[str, Any]
) -> None:
    record = analysis_node_record(**changes)
    fake = endpoint(rsps, "POST", f"/core/analysis-nodes/{record['id']}",
                    {"data": record, "meta": {}}, status=202)  # fmt: skip
    assignment = bound(AnalysisNode, CURRENT_VERSION, id=uuid.UUID(record["id"]))
    call(assignment)
    assert fake.only.body == body
    assert assignment.approval_status == ApprovalStatus(record["approvalStatus"])
    assert assignment.execution_progress == record["executionProgress"]


def test_legacy_project_node_reject_is_snake_case(rsps: responses.RequestsMock) -> None:
    record = dict(Recording(LEGACY_VERSION, "core-13-projects")[10].record)
    record.update(approval_status="rejected", comment="no consent")
    fake = endpoint(rsps, "POST", f"/core/project-nodes/{record['id']}", record, status=202)
    membership = bound(ProjectNode, LEGACY_VERSION, id=uuid.UUID(record["id"]))
    membership.reject(comment="no consent")
    assert fake.only.body == {"approval_status": "rejected", "comment": "no consent"}
    assert membership.approval_status is ApprovalStatus.REJECTED
