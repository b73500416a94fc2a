"""flamehub: a Pythonic client for the FLAME Hub.

Example::

    import flamehub
    from flamehub import Hub, PasswordAuth
    from flamehub.models import Node

    flamehub.connect(Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123")))
    Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]
"""

from __future__ import annotations

from ._version import __version__
from .auth import ClientAuth, PasswordAuth, RobotAuth, TokenAuth
from .dialects import Generation
from .errors import (
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    Conflict,
    FlamehubError,
    Forbidden,
    HubAPIError,
    HubTimeout,
    InvalidResponse,
    MultipleObjectsReturned,
    NotFound,
    ObjectDoesNotExist,
    QueryError,
    ServerError,
    TransportError,
    Unauthorized,
    UnsupportedByHub,
)
from .files import (
    AnalysisFilesTimeout,
    IntegrityError,
    TransferError,
    UnsafeArchiveMember,
    UploadNotResent,
    UploadSourceChanged,
)
from .hub import Hub, connect, default_hub
from .query import Q, QuerySet
from .transport import RetryPolicy

__all__ = [
    "AnalysisFilesTimeout",
    "AuthenticationError",
    "BadRequest",
    "ClientAuth",
    "ConfigurationError",
    "Conflict",
    "FlamehubError",
    "Forbidden",
    "Generation",
    "Hub",
    "HubAPIError",
    "HubTimeout",
    "IntegrityError",
    "InvalidResponse",
    "MultipleObjectsReturned",
    "NotFound",
    "ObjectDoesNotExist",
    "PasswordAuth",
    "Q",
    "QueryError",
    "QuerySet",
    "RetryPolicy",
    "RobotAuth",
    "ServerError",
    "TokenAuth",
    "TransferError",
    "TransportError",
    "Unauthorized",
    "UnsafeArchiveMember",
    "UnsupportedByHub",
    "UploadNotResent",
    "UploadSourceChanged",
    "__version__",
    "connect",
    "default_hub",
]
