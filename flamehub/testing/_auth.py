"""Identities, opaque tokens and the OAuth2 token endpoint of the local Hub (authup).

Tokens are random opaque strings (never JWTs) kept in memory with their session. Refresh
tokens rotate; on current Hubs a replayed refresh token revokes its whole session (and so
every access token of it), as authup beta.62 does. Passwords are stored as salted PBKDF2
hashes; no token, password or secret is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._errors import HubError, invalid_token, unauthorized
from ._generations import Generation
from ._schema import ALL_PERMISSIONS
from ._store import Store

__all__ = [
    "ADMIN_ROLE",
    "Identity",
    "TokenService",
    "hash_password",
    "new_secret",
    "permissions_of",
    "verify_password",
]

#: PBKDF2 rounds: enough to not be plain text, cheap enough for fast tests.
PBKDF2_ITERATIONS = 10_000
#: Name of the built-in role whose members hold every permission.
ADMIN_ROLE = "admin"
SYSTEM_IDENTITY = "system"
SECRET_BYTES = 32
TOKEN_BYTES = 32

IdentityKind = Literal["user", "client", "robot"]
_IDENTITY_TABLES: dict[str, str] = {"user": "users", "client": "clients", "robot": "robots"}
_INVALID_GRANT_MESSAGE = (
    "The provided authorization grant (e.g., authorization code, resource owner credentials) "
    "or refresh token is invalid, expired, revoked, does not match the redirection URI used in "
    "the authorization request, or was issued to another client."
)


def hash_password(password: str) -> str:
    """A salted PBKDF2-SHA256 hash of ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2${PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the hash ``stored``."""
    if not stored:
        return False
    try:
        _, rounds, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    return hmac.compare_digest(candidate.hex(), digest)


def new_secret() -> str:
    """A random 64-hex secret, as the Hub generates for clients and robots."""
    return secrets.token_hex(SECRET_BYTES)


@dataclass(frozen=True)
class Identity:
    """Who a request acts as."""

    kind: IdentityKind
    id: str
    name: str
    realm_id: str | None
    realm_name: str | None
    session_id: str | None = None

    @property
    def in_master_realm(self) -> bool:
        """Identities of the master realm may write in every realm."""
        return self.realm_name == "master"


def permissions_of(store: Store, identity: Identity, generation: Generation) -> frozenset[str]:
    """Every permission name ``identity`` holds right now."""
    everything = frozenset(ALL_PERMISSIONS[generation])
    with store.lock:
        if identity.kind == "user":
            role_ids = {link["roleId"] for link in store.find("user-roles", userId=identity.id)}
            direct = store.find("user-permissions", userId=identity.id)
        elif identity.kind == "client":
            row = store.get("clients", identity.id)
            if row is not None and row.get("name") == SYSTEM_IDENTITY and row.get("builtIn"):
                return everything
            role_ids = {link["roleId"] for link in store.find("client-roles", clientId=identity.id)}
            direct = store.find("client-permissions", clientId=identity.id)
        else:
            row = store.get("robots", identity.id)
            if row is None:
                return frozenset()
            if row.get("name") == SYSTEM_IDENTITY:
                return everything
            return frozenset(row.get("_permissions", ()))
        names: set[str] = set()
        for role_id in role_ids:
            role = store.get("roles", role_id)
            if role is not None and role.get("name") == ADMIN_ROLE and role.get("builtIn"):
                return everything
            for link in store.find("role-permissions", roleId=role_id):
                permission = store.get("permissions", link["permissionId"])
                if permission is not None:
                    names.add(permission["name"])
        for link in direct:
            permission = store.get("permissions", link["permissionId"])
            if permission is not None:
                names.add(permission["name"])
        return frozenset(names)


@dataclass
class _Session:
    id: str
    kind: IdentityKind
    subject_id: str
    revoked: bool = False


@dataclass
class _Token:
    session_id: str
    kind: Literal["access", "refresh"]
    expires_at: float
    expires_epoch: float
    issued_epoch: float
    used: bool = False
    grant: str = ""


@dataclass
class TokenService:
    """Issues, rotates, checks and revokes opaque tokens."""

    store: Store
    generation: Generation
    access_lifetime: float
    refresh_lifetime: float
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _tokens: dict[str, _Token] = field(default_factory=dict)

    # -- issuing ------------------------------------------------------------------------

    def _issue(self, session: _Session, *, with_refresh: bool, grant: str) -> dict[str, Any]:
        now_mono, now_epoch = time.monotonic(), time.time()
        access = secrets.token_urlsafe(TOKEN_BYTES)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": int(self.access_lifetime),
            "token_type": "Bearer",
            "scope": "global",
        }
        self._tokens[access] = _Token(
            session.id,
            "access",
            now_mono + self.access_lifetime,
            now_epoch + self.access_lifetime,
            now_epoch,
            grant=grant,
        )
        if with_refresh:
            refresh = secrets.token_urlsafe(TOKEN_BYTES)
            self._tokens[refresh] = _Token(
                session.id,
                "refresh",
                now_mono + self.refresh_lifetime,
                now_epoch + self.refresh_lifetime,
                now_epoch,
                grant=grant,
            )
            body["refresh_token"] = refresh
            if self.generation is Generation.CURRENT:
                body["refresh_token_expires_in"] = int(self.refresh_lifetime)
        return body

    def _open_session(self, kind: IdentityKind, subject_id: str) -> _Session:
        session = _Session(str(uuid.uuid4()), kind, subject_id)
        self._sessions[session.id] = session
        return session

    def login(
        self, kind: IdentityKind, subject_id: str, *, with_refresh: bool, grant: str
    ) -> dict[str, Any]:
        """Open a session for ``subject_id`` and return the token response."""
        with self._lock:
            session = self._open_session(kind, subject_id)
            return self._issue(session, with_refresh=with_refresh, grant=grant)

    def refresh(self, token: str) -> dict[str, Any]:
        """The refresh_token grant, with rotation and replay detection."""
        with self._lock:
            record = self._tokens.get(token)
            if record is None or record.kind != "refresh":
                raise _jwt_invalid()
            session = self._sessions.get(record.session_id)
            if session is None or session.revoked:
                raise _replay_error(self.generation)
            if record.used:
                if self.generation is Generation.CURRENT:
                    session.revoked = True
                raise _replay_error(self.generation)
            if time.monotonic() >= record.expires_at:
                raise invalid_token("The JWT is expired.")
            record.used = True
            return self._issue(session, with_refresh=True, grant="refresh_token")

    # -- checking -----------------------------------------------------------------------

    def identity_for(self, token: str, *, service: str) -> Identity:
        """The identity an access token stands for, or the service's error for it."""
        core = service != "auth"
        status = 500 if core and self.generation is Generation.CURRENT else 400
        with self._lock:
            record = self._tokens.get(token)
            if record is None or record.kind != "access":
                raise invalid_token("The token header could not be extracted.", status=status)
            session = self._sessions.get(record.session_id)
            expired = time.monotonic() >= record.expires_at
            if session is None or session.revoked or expired:
                raise invalid_token("The JWT is not active.", status=status)
        identity = self._identity(session.kind, session.subject_id, session.id)
        if identity is None:
            raise invalid_token("The JWT is not active.", status=status)
        return identity

    def _identity(self, kind: IdentityKind, subject_id: str, session_id: str) -> Identity | None:
        with self.store.lock:
            row = self.store.get(_IDENTITY_TABLES[kind], subject_id)
            if row is None:
                return None
            realm = self.store.get("realms", row.get("realmId"))
            return Identity(
                kind=kind,
                id=row["id"],
                name=row["name"],
                realm_id=row.get("realmId"),
                realm_name=None if realm is None else realm["name"],
                session_id=session_id,
            )

    def claims(self, token: str) -> dict[str, Any] | None:
        """Identity and timing of an active token (``identity``, ``exp``, ...), else ``None``."""
        with self._lock:
            record = self._tokens.get(token)
            if record is None or time.monotonic() >= record.expires_at:
                return None
            session = self._sessions.get(record.session_id)
            if session is None or session.revoked:
                return None
            issued, expires = record.issued_epoch, record.expires_epoch
        identity = self._identity(session.kind, session.subject_id, session.id)
        if identity is None:
            return None
        return {
            "identity": identity,
            "kind": f"{record.kind}_token",
            "jti": str(uuid.uuid5(uuid.NAMESPACE_OID, token)),
            "exp": math.floor(expires),
            "iat": math.floor(issued),
            "session_id": session.id,
        }

    def revoke_all(self) -> None:
        """Forget every session and token."""
        with self._lock:
            self._sessions.clear()
            self._tokens.clear()


# --------------------------------------------------------------------------- grant errors


def _jwt_invalid() -> HubError:
    return invalid_token("The JWT is invalid.")


def _replay_error(generation: Generation) -> HubError:
    if generation is Generation.LEGACY:
        return _jwt_invalid()
    return HubError(
        400,
        "invalid_grant",
        "refresh token replay detected; session revoked",
        name="OAuth2GrantError",
        chain=("@authup/specs/OAuth2Error", "@authup/specs/OAuth2GrantError"),
        extra={"error": "invalid_grant"},
    )


def invalid_credentials(subject: str = "user") -> HubError:
    """400 ``invalid_credentials`` (wrong user password; legacy: wrong robot/client)."""
    message = f"The {subject} credentials are invalid."
    return HubError(
        400,
        "invalid_credentials",
        message,
        name="EntityCredentialsInvalidError",
        chain=("@authup/errors/EntityCredentialsInvalidError",),
        legacy_code="invalid_credentials",
        legacy_extra={"error": "invalid_request", "error_description": message},
    )


def invalid_client() -> HubError:
    """401 ``invalid_client`` (current: wrong client id or secret)."""
    return HubError(
        401,
        "invalid_client",
        "Client authentication failed",
        name="OAuth2ClientError",
        chain=("@authup/specs/OAuth2Error", "@authup/specs/OAuth2ClientError"),
        extra={"error": "invalid_client"},
    )


def unsupported_grant() -> HubError:
    """400 for a grant type the server does not know."""
    return HubError(
        400,
        "unsupported_token_grant_type",
        "The authorization grant type is not supported by the authorization server",
        name="OAuth2GrantTypeError",
        chain=("@authup/specs/OAuth2Error", "@authup/specs/OAuth2GrantTypeError"),
        extra={
            "error": "unsupported_grant_type",
            "hint": "Check that all required parameters have been provided",
        },
        legacy_code="invalid_grant",
        legacy_message=_INVALID_GRANT_MESSAGE,
        legacy_extra={"error": "invalid_grant"},
    )


def guess_grant_type(params: Mapping[str, Any], has_basic: bool) -> str | None:
    """authup's grant detection when ``grant_type`` is omitted."""
    if params.get("username") and params.get("password"):
        return "password"
    if params.get("refresh_token"):
        return "refresh_token"
    if params.get("code"):
        return "authorization_code"
    if params.get("id") and params.get("secret"):
        return "robot_credentials"
    if (params.get("client_id") and params.get("client_secret")) or has_basic:
        return "client_credentials"
    return None


def require_identity(identity: Identity | None) -> Identity:
    """``identity`` or 401."""
    if identity is None:
        raise unauthorized()
    return identity
