"""Enumerations of the Hub API that tolerate values a newer Hub adds.

Example::

    >>> NodeType("aggregator") is NodeType.AGGREGATOR
    True
    >>> NodeType("quantum").value       # unknown to this flamehub: kept, not an error
    'quantum'
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = [
    "AnalysisBucketType",
    "AnalysisCommand",
    "ApprovalStatus",
    "ClientAuthMethod",
    "DecisionStrategy",
    "HubEnum",
    "LogChannel",
    "LogLevel",
    "MasterImageCommand",
    "NodeType",
    "ProcessStatus",
    "RealmScope",
    "RegistryCommand",
    "RegistryProjectType",
    "TokenBindingMethod",
]


class HubEnum(str, enum.Enum):
    """A string enum whose unknown values become pseudo-members instead of errors.

    A Hub newer than this flamehub may send a value it does not know yet; it is
    kept as a member with that value (``member.known`` is ``False``), so parsing
    never fails and the value survives a round trip.
    """

    @classmethod
    def _missing_(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def known(self) -> bool:
        """Whether this value is one this flamehub version declares."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


class NodeType(HubEnum):
    """``Node.type``: a data-holding node or the aggregator of a project."""

    DEFAULT = "default"
    AGGREGATOR = "aggregator"


class ApprovalStatus(HubEnum):
    """Approval of a project-node or analysis-node."""

    APPROVED = "approved"
    REJECTED = "rejected"


class ProcessStatus(HubEnum):
    """Build, distribution and execution status (current Hubs; legacy values are kept too)."""

    STARTING = "starting"
    STARTED = "started"
    STOPPING = "stopping"
    STOPPED = "stopped"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"
    # legacy (Hub 0.8.x) values
    RUNNING = "running"
    FINISHED = "finished"


class RegistryProjectType(HubEnum):
    """``RegistryProject.type``."""

    DEFAULT = "default"
    AGGREGATOR = "aggregator"
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    MASTER_IMAGES = "masterImages"
    NODE = "node"


class AnalysisBucketType(HubEnum):
    """The three storage buckets of an analysis."""

    CODE = "CODE"
    RESULT = "RESULT"
    TEMP = "TEMP"


class AnalysisCommand(HubEnum):
    """Commands of ``POST /analyses/<id>/command`` (which Hub has which: ``Analysis.command``)."""

    BUILD_START = "buildStart"
    BUILD_CHECK = "buildCheck"
    CONFIGURATION_LOCK = "configurationLock"
    CONFIGURATION_UNLOCK = "configurationUnlock"
    DISTRIBUTION_START = "distributionStart"
    DISTRIBUTION_CHECK = "distributionCheck"
    STORAGE_CHECK = "storageCheck"
    # Hub 0.8.x before 0.8.22
    SPIN_UP = "spinUp"
    TEAR_DOWN = "tearDown"
    BUILD_STOP = "buildStop"
    BUILD_STATUS = "buildStatus"


class MasterImageCommand(HubEnum):
    """Commands of ``POST /master-images/command``."""

    SYNC = "sync"
    BUILD = "build"


class RegistryCommand(HubEnum):
    """Commands of ``POST /services/registry/command`` (Harbor provisioning)."""

    SETUP = "setup"
    CLEANUP = "cleanup"
    DELETE = "delete"
    PROJECT_LINK = "projectLink"
    PROJECT_UNLINK = "projectUnlink"


class LogLevel(HubEnum):
    """Severity of an analysis or analysis-node log line."""

    EMERG = "emerg"
    ALERT = "alert"
    CRIT = "crit"
    ERROR = "error"
    WARN = "warn"
    NOTICE = "notice"
    INFO = "info"
    DEBUG = "debug"


class LogChannel(HubEnum):
    """Where a log line came from (current Hubs)."""

    HTTP = "http"
    WEBSOCKET = "websocket"
    BACKGROUND = "background"
    SYSTEM = "system"


class DecisionStrategy(HubEnum):
    """How authup combines the policies of a permission."""

    AFFIRMATIVE = "affirmative"
    UNANIMOUS = "unanimous"
    CONSENSUS = "consensus"


class RealmScope(HubEnum):
    """Realm scope of a role-, user- or client-permission (current authup)."""

    NONE = "none"
    OWN = "own"
    OWN_OR_NULL = "ownOrNull"
    ANY = "any"


class ClientAuthMethod(HubEnum):
    """How an OAuth2 client authenticates (``none`` is a public client)."""

    NONE = "none"
    SECRET = "secret"
    TLS = "tls"


class TokenBindingMethod(HubEnum):
    """How tokens of an OAuth2 client are bound."""

    NONE = "none"
    TLS = "tls"
