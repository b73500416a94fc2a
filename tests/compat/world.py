"""Create-arguments for every resource the facade can create, with their dependencies.

``World`` builds the rows a create needs (a realm, a project, an analysis ...) on first
use, through the facade itself; ``CREATE[name](world)`` is the keyword arguments of
``create_<singular>()`` for resource ``name``, ``UPDATE[name]`` one change to make.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

from flamehub.compat import AuthClient, CoreClient, StorageClient
from flamehub.dialects import Generation


class World:
    """Dependencies of creates, made lazily through the facade clients."""

    def __init__(
        self, auth_client: AuthClient, core_client: CoreClient, storage_client: StorageClient
    ) -> None:
        self.auth = auth_client
        self.core = core_client
        self.storage = storage_client
        self.counter = 0

    @property
    def current(self) -> bool:
        return self.core.hub.generation is Generation.CURRENT

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:03d}"

    @functools.cached_property
    def realm(self) -> Any:
        return self.auth.find_realms(filter={"name": "master"})[0]

    @functools.cached_property
    def user(self) -> Any:
        return self.auth.create_user(self.unique("user"), "someone@example.org")

    @functools.cached_property
    def role(self) -> Any:
        return self.auth.create_role(self.unique("role"))

    @functools.cached_property
    def permission(self) -> Any:
        return self.auth.create_permission(self.unique("permission"))

    @functools.cached_property
    def client(self) -> Any:
        return self.auth.create_client(self.unique("client"), self.realm)

    @functools.cached_property
    def registry(self) -> Any:
        return self.core.create_registry(self.unique("registry"), "registry.example.org")

    @functools.cached_property
    def node(self) -> Any:
        return self.core.create_node(self.unique("node"), self.realm)

    @functools.cached_property
    def project(self) -> Any:
        return self.core.create_project(self.unique("project"))

    @functools.cached_property
    def project_node(self) -> Any:
        return self.core.create_project_node(self.project, self.node)

    @functools.cached_property
    def analysis(self) -> Any:
        return self.core.create_analysis(self.project, name=self.unique("analysis"))

    @functools.cached_property
    def analysis_node(self) -> Any:
        return self.core.create_analysis_node(
            analysis_id=self.analysis, node_id=self.project_node.node_id
        )

    @functools.cached_property
    def held_permission(self) -> Any:
        """A permission the admin holds: a Hub grants an analysis only what the caller owns."""
        return self.auth.find_permissions(filter={"name": "analysis_self_storage_use"})[0]

    @functools.cached_property
    def bucket(self) -> Any:
        return self.storage.create_bucket(self.unique("bucket"))

    @functools.cached_property
    def bucket_file(self) -> Any:
        content = io.BytesIO(b"print('hello')\n")
        return self.storage.upload_to_bucket(
            self.bucket, {"file_name": "main.py", "content": content}
        )[0]

    @functools.cached_property
    def analysis_bucket(self) -> Any:
        if not self.current:
            # Hub 0.8.13 keeps the storage bucket in the read-only external_id that its
            # analysis manager fills: use the CODE bucket the Hub made for the analysis
            return self.core.find_analysis_buckets(
                filter={"analysis_id": self.analysis.id, "type": "CODE"}
            )[0]
        return self.core.create_analysis_bucket(
            type="CODE", bucket_id=self.bucket.id, analysis_id=self.analysis.id
        )


#: ``create_<singular>()`` keyword arguments per resource class name.
CREATE: dict[str, Callable[[World], dict[str, Any]]] = {
    "Realm": lambda w: {"name": w.unique("realm")},
    "User": lambda w: {"name": w.unique("user"), "email": "user@example.org"},
    "Role": lambda w: {"name": w.unique("role"), "display_name": "A role"},
    "Permission": lambda w: {"name": w.unique("permission")},
    "RolePermission": lambda w: {"role_id": w.role, "permission_id": w.permission},
    "UserPermission": lambda w: {"user_id": w.user, "permission_id": w.permission},
    "UserRole": lambda w: {"user_id": w.user, "role_id": w.role},
    "Client": lambda w: {"name": w.unique("client"), "realm_id": w.realm},
    "ClientPermission": lambda w: {"client_id": w.client, "permission_id": w.permission},
    "ClientRole": lambda w: {"client_id": w.client, "role_id": w.role},
    "Robot": lambda w: {"name": w.unique("robot"), "realm_id": w.realm},
    "Registry": lambda w: {"name": w.unique("registry"), "host": "registry.example.org"},
    "RegistryProject": lambda w: {
        "name": w.unique("registry-project"),
        "registry_project_type": "default",
        "registry_id": w.registry,
        "external_name": w.unique("external"),
    },
    "Node": lambda w: {"name": w.unique("node"), "realm_id": w.realm, "node_type": "default"},
    "Project": lambda w: {"name": w.unique("project"), "description": "a project"},
    "ProjectNode": lambda w: {"project_id": w.project, "node_id": w.node},
    "Analysis": lambda w: {"project_id": w.project, "name": w.unique("analysis")},
    "AnalysisNode": lambda w: {"analysis_id": w.analysis, "node_id": w.project_node.node_id},
    # legacy Hubs drop a create's storage bucket (flamehub refuses it there)
    "AnalysisBucket": lambda w: {
        "bucket_type": "CODE",
        "analysis_id": w.analysis,
        **({"bucket_id": w.bucket.id} if w.current else {}),
    },
    "AnalysisBucketFile": lambda w: _analysis_bucket_file(w),
    "AnalysisPermission": lambda w: {
        "analysis_id": w.analysis,
        "permission_id": w.held_permission,
    },
    "AnalysisNodeLog": lambda w: _node_log_values(w),
    "Bucket": lambda w: {"name": w.unique("bucket")},
}


def _analysis_bucket_file(w: World) -> dict[str, Any]:
    """The fields differ: ``path`` and ``bucket_file_id`` on current Hubs, ``name`` on legacy."""
    # Uploaded before the analysis bucket exists: an upload into an analysis bucket makes
    # the Hub create the analysis bucket file itself (and a second create would be a 409).
    bucket_file = w.bucket_file
    values: dict[str, Any] = {"analysis_bucket_id": w.analysis_bucket, "is_entrypoint": True}
    if w.current:
        values.update(path="main.py", bucket_id=w.bucket.id, bucket_file_id=bucket_file.id)
    else:
        values.update(name="main.py", external_id=str(bucket_file.id))
    return values


#: One change per updatable resource: ``(field, value)``.
UPDATE: dict[str, tuple[str, Any]] = {
    "Realm": ("display_name", "Renamed realm"),
    "User": ("display_name", "Renamed user"),
    "Role": ("display_name", "Renamed role"),
    "Permission": ("display_name", "Renamed permission"),
    "Client": ("display_name", "Renamed client"),
    "Robot": ("display_name", "Renamed robot"),
    "Registry": ("host", "other.example.org"),
    "RegistryProject": ("external_name", "renamed-external"),
    "Node": ("hidden", True),
    "Project": ("description", "renamed"),
    "ProjectNode": ("comment", "a comment"),
    "Analysis": ("description", "renamed"),
    "AnalysisNode": ("comment", "a comment"),
    "AnalysisBucketFile": ("root", False),
}


#: Rows of resources the API cannot create directly, made the way the Hub makes them.
SEED: dict[str, Callable[[World], Any]] = {
    "BucketFile": lambda w: w.bucket_file,
    "MasterImage": lambda w: w.core.sync_master_images(),
    "MasterImageGroup": lambda w: w.core.sync_master_images(),
    # an upload into an analysis bucket makes the Hub create the analysis bucket file
    "AnalysisBucketFile": lambda w: w.storage.upload_to_bucket(
        w.analysis_bucket.bucket_id, {"file_name": "seeded.py", "content": b"1"}
    ),
    # the Hub logs every analysis command it has carried out
    "AnalysisLog": lambda w: w.core.send_analysis_command(
        w.analysis, "storageCheck" if w.current else "spinUp"
    ),
    "AnalysisNodeLog": lambda w: _post_node_log(w),
    # the Hub logs the events of a master-image synchronisation (legacy Hubs)
    "MasterImageEventLog": lambda w: w.core.sync_master_images(),
    # the Hub records an event (through its telemetry service) for a new analysis-node
    "AnalysisNodeEvent": lambda w: w.analysis_node,
}


def _node_log_values(w: World) -> dict[str, Any]:
    """A log line (current Hubs) or a status record of a node's analysis (legacy Hubs)."""
    if w.current:
        return {
            "analysis_id": w.analysis,
            "node_id": w.node,
            "level": "info",
            "message": "hello from the node",
        }
    link = w.analysis_node  # a legacy Hub takes records of analysis-nodes only
    return {
        "analysis_id": link.analysis_id,
        "node_id": link.node_id,
        "status": "started",
        "status_message": "the node started the analysis",
    }


def _post_node_log(w: World) -> Any:
    """A node posts a log line (current Hubs) or a status record (legacy Hubs)."""
    return w.core.create_analysis_node_log(**_node_log_values(w))
