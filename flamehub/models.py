"""Every Hub resource, in one place.

Example::

    from flamehub.models import Realm, Node, Project
    Node.objects.filter(realm_id=Realm.objects.get(name="master").id)
"""

from __future__ import annotations

from .resources.auth import Realm
from .resources.core import MasterImage, Node, Project, Registry, RegistryProject
from .resources.storage import Bucket, BucketFile
from .resources.enums import ApprovalStatus, HubEnum, NodeType, ProcessStatus, RegistryProjectType

__all__ = [
    "Bucket",
    "BucketFile",
    "ApprovalStatus",
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
