"""flamehub: a Pythonic client for the FLAME Hub.

Example::

    import flamehub
    from flamehub import Hub, PasswordAuth
    from flamehub.models import Node

    flamehub.connect(Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123")))
    Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]

``import flamehub`` is cheap: the names below are imported on first use (PEP 562), so
``requests``, ``cattrs`` and the resource catalogue load only when a program needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time see _LAZY
    from .auth import ClientAuth, PasswordAuth, RobotAuth, TokenAuth
    from .compat import AuthClient, CoreClient, StorageClient
    from .dialects import Generation
    from .errors import (
        AuthenticationError,
        BadRequest,
        BulkError,
        ConfigurationError,
        Conflict,
        DownloadTargetExists,
        DownloadTooLarge,
        FlamehubError,
        Forbidden,
        GenerationMismatch,
        HubAPIError,
        HubTimeout,
        InvalidResponse,
        MultipleObjectsReturned,
        NotFound,
        ObjectDoesNotExist,
        QueryError,
        RateLimited,
        ServerError,
        TransportError,
        Unauthorized,
        UnsafeDownloadTarget,
        UnsupportedByHub,
        WorkflowError,
        WorkflowTimeout,
    )
    from .files import (
        AnalysisFilesTimeout,
        TransferError,
        TransferSizeMismatch,
        UnsafeArchiveMember,
        UploadNotResent,
        UploadSourceChanged,
    )
    from .hub import Hub, connect, default_hub
    from .query.q import Q
    from .query.queryset import QuerySet
    from .transport import RetryPolicy

#: Public name -> the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ClientAuth", "PasswordAuth", "RobotAuth", "TokenAuth"), "flamehub.auth"),
    **dict.fromkeys(("AuthClient", "CoreClient", "StorageClient"), "flamehub.compat"),
    "Generation": "flamehub.dialects",
    **dict.fromkeys(
        (
            "AuthenticationError",
            "BadRequest",
            "BulkError",
            "ConfigurationError",
            "Conflict",
            "FlamehubError",
            "Forbidden",
            "HubAPIError",
            "HubTimeout",
            "InvalidResponse",
            "MultipleObjectsReturned",
            "NotFound",
            "ObjectDoesNotExist",
            "QueryError",
            "RateLimited",
            "ServerError",
            "TransportError",
            "Unauthorized",
            "UnsupportedByHub",
            "DownloadTargetExists",
            "DownloadTooLarge",
            "GenerationMismatch",
            "UnsafeDownloadTarget",
            "WorkflowError",
            "WorkflowTimeout",
        ),
        "flamehub.errors",
    ),
    **dict.fromkeys(
        (
            "AnalysisFilesTimeout",
            "TransferError",
            "TransferSizeMismatch",
            "UnsafeArchiveMember",
            "UploadNotResent",
            "UploadSourceChanged",
        ),
        "flamehub.files",
    ),
    **dict.fromkeys(("Hub", "connect", "default_hub"), "flamehub.hub"),
    "Q": "flamehub.query.q",
    "QuerySet": "flamehub.query.queryset",
    "RetryPolicy": "flamehub.transport",
}


#: Submodules reachable as attributes (``flamehub.errors``) without importing them first.
_SUBMODULES = frozenset(
    {"auth", "compat", "dialects", "errors", "files", "hub", "models", "query"}
    | {"transport", "types"}
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AnalysisFilesTimeout",
    "AuthClient",
    "AuthenticationError",
    "BadRequest",
    "BulkError",
    "ClientAuth",
    "ConfigurationError",
    "Conflict",
    "CoreClient",
    "DownloadTargetExists",
    "DownloadTooLarge",
    "FlamehubError",
    "Forbidden",
    "Generation",
    "GenerationMismatch",
    "Hub",
    "HubAPIError",
    "HubTimeout",
    "InvalidResponse",
    "MultipleObjectsReturned",
    "NotFound",
    "ObjectDoesNotExist",
    "PasswordAuth",
    "Q",
    "QueryError",
    "QuerySet",
    "RateLimited",
    "RetryPolicy",
    "RobotAuth",
    "ServerError",
    "StorageClient",
    "TokenAuth",
    "TransferError",
    "TransferSizeMismatch",
    "TransportError",
    "Unauthorized",
    "UnsafeArchiveMember",
    "UnsafeDownloadTarget",
    "UnsupportedByHub",
    "UploadNotResent",
    "UploadSourceChanged",
    "WorkflowError",
    "WorkflowTimeout",
    "__version__",
    "connect",
    "default_hub",
]
