"""Every Hub resource, in one place.

Example::

    from flamehub.models import Realm, Node, Project
    Node.objects.filter(realm_id=Realm.objects.get(name="master").id)
"""

from __future__ import annotations

from .resources.auth import Realm
from .resources.core import MasterImage, Node, Project, Registry, RegistryProject
from .resources.enums import ApprovalStatus, HubEnum, NodeType, ProcessStatus, RegistryProjectType
from .resources.storage import Bucket, BucketFile

__all__ = [
    "ApprovalStatus",
    "Bucket",
    "BucketFile",
    "HubEnum",
    "MasterImage",
    "Node",
    "NodeType",
    "ProcessStatus",
    "Project",
    "Realm",
    "Registry",
    "RegistryProject",
    "RegistryProjectType",
]
