"""Test helpers of flamehub: an embedded, in-memory FLAME Hub on a loopback socket.

Needs the optional extra ``flamehub[local]`` (werkzeug). Nothing here imports the client
package, so it can be used to test any HTTP client of the Hub.

Example::

    from flamehub.testing import Fault, LocalHub

    with LocalHub(version="0.8.13") as hub:  # or "0.14.0" (the default)
        print(hub.url, hub.admin_credentials)
"""

from __future__ import annotations

try:
    import werkzeug  # noqa: F401 - checked here for a helpful message
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "flamehub.testing needs werkzeug; install the extra: pip install 'flamehub[local]'"
    ) from error

from ._faults import Fault, FaultKind
from ._generations import Generation
from ._hub import Credentials, LocalHub
from ._state import HubStats, RequestLog, RequestRecord

__all__ = [
    "Credentials",
    "Fault",
    "FaultKind",
    "Generation",
    "HubStats",
    "LocalHub",
    "RequestLog",
    "RequestRecord",
]
