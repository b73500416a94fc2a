"""Every Hub resource, its enums and action result types, in one place.

Example::

    from flamehub.models import Analysis, Node, Realm
    Node.objects.filter(realm_id=Realm.objects.get(name="master").id)
    Analysis.objects.get(id=analysis_id).build_start()
"""

from __future__ import annotations

from typing import Any

from .resources.auth import (
    Client,
    ClientPermission,
    ClientRole,
    Permission,
    Policy,
    Realm,
    Robot,
    Role,
    RolePermission,
    User,
    UserPermission,
    UserRole,
)
from .resources.base import REGISTRY
from .resources.core import (
    Analysis,
    AnalysisBucket,
    AnalysisBucketFile,
    AnalysisLog,
    AnalysisNode,
    AnalysisNodeEvent,
    AnalysisNodeLog,
    AnalysisPermission,
    ClientCredentials,
    MasterImage,
    MasterImageEventLog,
    MasterImageGroup,
    Node,
    Project,
    ProjectNode,
    Registry,
    RegistryCredentials,
    RegistryProject,
    analysis_commands,
)
from .resources.enums import (
    AnalysisBucketType,
    AnalysisCommand,
    ApprovalStatus,
    ClientAuthMethod,
    DecisionStrategy,
    HubEnum,
    LogChannel,
    LogLevel,
    MasterImageCommand,
    NodeType,
    ProcessStatus,
    RealmScope,
    RegistryCommand,
    RegistryProjectType,
    TokenBindingMethod,
)
from .resources.storage import Bucket, BucketFile
from .types import UNSET

__all__ = [
    "UNSET",
    "Analysis",
    "AnalysisBucket",
    "AnalysisBucketFile",
    "AnalysisBucketType",
    "AnalysisCommand",
    "AnalysisLog",
    "AnalysisNode",
    "AnalysisNodeEvent",
    "AnalysisNodeLog",
    "AnalysisPermission",
    "ApprovalStatus",
    "Bucket",
    "BucketFile",
    "Client",
    "ClientAuthMethod",
    "ClientCredentials",
    "ClientPermission",
    "ClientRole",
    "DecisionStrategy",
    "HubEnum",
    "LogChannel",
    "LogLevel",
    "MasterImage",
    "MasterImageCommand",
    "MasterImageEventLog",
    "MasterImageGroup",
    "Node",
    "NodeType",
    "Permission",
    "Policy",
    "ProcessStatus",
    "Project",
    "ProjectNode",
    "Realm",
    "RealmScope",
    "Registry",
    "RegistryCommand",
    "RegistryCredentials",
    "RegistryProject",
    "RegistryProjectType",
    "Robot",
    "Role",
    "RolePermission",
    "TokenBindingMethod",
    "User",
    "UserPermission",
    "UserRole",
    "analysis_commands",
]


def __getattr__(name: str) -> Any:
    """``UpdateNode``, ``UpdateProject`` ...: the update models of flame-hub-client scripts.

    Example::

        from flamehub.models import UNSET, UpdateNode
        UpdateNode(hidden=False, type=UNSET).model_dump(exclude_unset=True)  # {'hidden': False}
    """
    model = REGISTRY.get(name[len("Update") :]) if name.startswith("Update") else None
    if model is not None and getattr(model, "Meta", None) is not None:
        from .compat import update_model_for

        return update_model_for(model)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
