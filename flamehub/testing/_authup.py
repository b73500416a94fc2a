"""The authup side of the local Hub: status, OAuth2 token endpoint and its companions.

Password, refresh_token (rotating), client_credentials and (legacy) robot_credentials
grants; token introspection, ``/users/@me``, ``/userinfo``, ``/jwks`` and OpenID discovery.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Response

from ._auth import (
    Identity,
    guess_grant_type,
    invalid_client,
    invalid_credentials,
    permissions_of,
    unsupported_grant,
    verify_password,
)
from ._crud import JsonResponse, record_body, render_row
from ._errors import HubError, not_found
from ._schema import resource
from ._state import RequestContext
from ._store import Row

__all__ = [
    "auth_status",
    "introspect",
    "jwks",
    "now_ms",
    "openid_configuration",
    "token",
    "userinfo",
    "users_me",
]

_STATUS_FEATURES = {
    "registration": False,
    "passwordRecovery": False,
    "emailVerification": False,
    "accountConsole": True,
}
#: A static public key: the local Hub's tokens are opaque, nothing is signed with it.
_JWK = {
    "key_ops": ["verify"],
    "ext": True,
    "alg": "RS256",
    "kty": "RSA",
    "e": "AQAB",
    "kid": "00000000-0000-4000-8000-000000000000",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
    "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ"
    "5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbIS"
    "D08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kE"
    "gU8awapJzKnqDKgw",
}


def now_ms() -> int:
    return int(time.time() * 1000)


# --------------------------------------------------------------------------- status


def auth_status(ctx: RequestContext) -> JsonResponse:
    """``GET /auth/``: the authup version."""
    version = ctx.profile.authup
    if ctx.legacy:
        return 200, {
            "version": version,
            "timestamp": now_ms(),
            "tokenMaxAgeAccessToken": int(ctx.state.config.access_token_lifetime),
            "tokenMaxAgeRefreshToken": int(ctx.state.config.refresh_token_lifetime),
            "redis": False,
            "vault": False,
        }
    return 200, {"version": version, "date": ctx.store.now(), "features": dict(_STATUS_FEATURES)}


# --------------------------------------------------------------------------- token endpoint


def _basic_credentials(ctx: RequestContext) -> tuple[str, str] | None:
    header = ctx.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _realm_for_login(ctx: RequestContext, params: dict[str, Any]) -> Row | None:
    if params.get("realm_id"):
        return ctx.store.get("realms", str(params["realm_id"]))
    return ctx.store.first("realms", name=str(params.get("realm_name") or "master"))


def _identity_row(ctx: RequestContext, table: str, key: str, realm: Row | None) -> Row | None:
    row = ctx.store.get(table, key)
    if row is not None:
        return row
    candidates = ctx.store.find(table, name=key)
    if realm is not None:
        candidates = [r for r in candidates if r.get("realmId") == realm["id"]] or candidates
    return candidates[0] if candidates else None


def _secret_matches(expected: Any, given: Any) -> bool:
    if not isinstance(expected, str) or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def token(ctx: RequestContext) -> JsonResponse:
    """``POST /auth/token``: password, refresh_token, client_credentials (robot_credentials)."""
    params = ctx.form_or_json()
    basic = _basic_credentials(ctx)
    grant = params.get("grant_type") or guess_grant_type(params, basic is not None)
    stats = ctx.state.stats
    stats.count(stats.token_requests, str(grant or "unknown"))
    tokens = ctx.state.tokens
    with ctx.store.lock:
        if grant == "password":
            body = _password_grant(ctx, params)
        elif grant == "refresh_token":
            body = tokens.refresh(str(params.get("refresh_token") or ""))
        elif grant == "client_credentials":
            body = _client_grant(ctx, params, basic)
        elif grant == "robot_credentials" and ctx.legacy:
            body = _robot_grant(ctx, params)
        else:
            raise unsupported_grant()
    stats.count(stats.tokens_issued, str(grant))
    return 200, body


def _password_grant(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    realm = _realm_for_login(ctx, params)
    username, password = params.get("username"), params.get("password")
    user = None
    if realm is not None and isinstance(username, str):
        user = ctx.store.first("users", name=username.lower(), realmId=realm["id"])
    valid = (
        user is not None
        and user.get("active", True)
        and isinstance(password, str)
        and verify_password(password, user.get("_password"))
    )
    if not valid or user is None:
        raise invalid_credentials("user")
    return ctx.state.tokens.login("user", user["id"], with_refresh=True, grant="password")


def _client_grant(
    ctx: RequestContext, params: dict[str, Any], basic: tuple[str, str] | None
) -> dict[str, Any]:
    client_id, secret = params.get("client_id"), params.get("client_secret")
    if basic is not None and not client_id:
        client_id, secret = basic
    realm = ctx.store.get("realms", str(params.get("realm_id"))) if params.get("realm_id") else None
    client = _identity_row(ctx, "clients", str(client_id or ""), realm) if client_id else None
    if ctx.legacy:
        if client is None or not _secret_matches(client.get("secret"), secret):
            raise invalid_credentials("user")
        return ctx.state.tokens.login(
            "client", client["id"], with_refresh=True, grant="client_credentials"
        )
    usable = (
        client is not None
        and client.get("active", True)
        and client.get("authMethod") != "none"
        and _secret_matches(client.get("secret"), secret)
    )
    if not usable or client is None:
        raise invalid_client()
    grant_types = str(client.get("grantTypes") or "").replace(",", " ").split()
    if grant_types and "client_credentials" not in grant_types:
        raise HubError(
            400,
            "unauthorized_client",
            "The client is not allowed to use this grant.",
            name="OAuth2Error",
            extra={"error": "unauthorized_client"},
        )
    return ctx.state.tokens.login(
        "client", client["id"], with_refresh=False, grant="client_credentials"
    )


def _robot_grant(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    robot_id, secret = params.get("id"), params.get("secret")
    robot = _identity_row(ctx, "robots", str(robot_id or ""), None) if robot_id else None
    if robot is None or not _secret_matches(robot.get("secret"), secret):
        raise invalid_credentials("robot")
    return ctx.state.tokens.login(
        "robot", robot["id"], with_refresh=False, grant="robot_credentials"
    )


def introspect(ctx: RequestContext) -> JsonResponse:
    """``/auth/token/introspect``: claims and permissions of a token."""
    params = ctx.form_or_json() if ctx.request.method == "POST" else {}
    candidate = params.get("token") or ctx.request.args.get("token")
    if not candidate:
        header = ctx.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        candidate = value.strip() if scheme.lower() == "bearer" else None
    found = ctx.state.tokens.claims(str(candidate)) if candidate else None
    if found is None:
        return 200, {"active": False}
    identity: Identity = found.pop("identity")
    names = sorted(permissions_of(ctx.store, identity, ctx.generation))
    claims: dict[str, Any] = {
        "active": True,
        "permissions": [{"name": name, "client_id": None, "realm_id": None} for name in names],
    }
    issuer = f"{_auth_base(ctx)}/" if ctx.legacy else f"{_auth_base(ctx)}/realms/master"
    common = {
        "kind": found["kind"],
        "jti": found["jti"],
        "iss": issuer,
        "sub": identity.id,
        "sub_kind": identity.kind,
        "remote_address": ctx.request.remote_addr,
        "realm_id": identity.realm_id,
        "realm_name": identity.realm_name,
        "exp": found["exp"],
        "scope": "global",
        "iat": found["iat"],
    }
    if not ctx.legacy:
        common.update(
            session_id=found["session_id"],
            user_agent=ctx.request.user_agent.string,
            amr=["pwd"] if identity.kind == "user" else ["client"],
            acr=f"urn:authup:{'pwd' if identity.kind == 'user' else 'client'}",
            realm_access={"roles": []},
            global_access={"roles": []},
        )
    claims.update(common)
    user = ctx.store.get("users", identity.id) if identity.kind == "user" else None
    if user is not None:
        claims.update(
            name=user["name"],
            family_name=user.get("lastName"),
            given_name=user.get("firstName"),
            nickname=user["name"],
            preferred_username=user["name"],
            updated_at=int(time.time()),
            email=user.get("email"),
            email_verified=True,
        )
    return 200, claims


def _current_user(ctx: RequestContext) -> Row:
    identity = ctx.identity
    user = ctx.store.get("users", identity.id) if identity and identity.kind == "user" else None
    if user is None:
        raise not_found("user")
    return user


def users_me(ctx: RequestContext) -> JsonResponse:
    """``GET /auth/users/@me``."""
    users = resource("users")
    with ctx.store.lock:
        data = render_row(ctx, users, _current_user(ctx), "get")
    return 200, record_body(ctx, data, res=users, with_schema=True)


def userinfo(ctx: RequestContext) -> JsonResponse:
    """``GET /auth/userinfo`` (current authup): the user with its e-mail, flat."""
    users = resource("users")
    with ctx.store.lock:
        user = _current_user(ctx)
        data = render_row(ctx, users, user, "get")
    data["email"] = user.get("email")
    return 200, data


def jwks(ctx: RequestContext) -> JsonResponse:
    """``GET /auth/jwks``."""
    return 200, {"keys": [dict(_JWK)]}


def _auth_base(ctx: RequestContext) -> str:
    return ctx.request.host_url.rstrip("/") + "/auth"


def openid_configuration(ctx: RequestContext, realm: str | None = None) -> Any:
    """OpenID discovery; the current authup redirects the root one to the master realm."""
    base = _auth_base(ctx)
    if not ctx.legacy and realm is None:
        target = f"{base}/realms/master/.well-known/openid-configuration"
        html = f'<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0; url={target}">'
        html += "</head></html>"
        return Response(html, status=302, headers={"Location": target}, mimetype="text/html")
    issuer = f"{base}/" if realm is None else f"{base}/realms/{realm}"
    return 200, {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code", "token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint": f"{base}/token",
        "introspection_endpoint": f"{base}/token/introspect",
        "revocation_endpoint": f"{base}/token",
        "service_documentation": "https://authup.org/",
        "userinfo_endpoint": f"{base}/users/@me" if ctx.legacy else f"{base}/userinfo",
    }
