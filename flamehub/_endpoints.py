"""The table of every Hub endpoint and the flamehub call that reaches it.

Built from the resource declarations (their paths, operations and generations)
and from the actions declared with :func:`~flamehub.resources.base.action`, so
it cannot drift from the code. Endpoints of the Hub API that no flamehub call
reaches are listed with the reason.

Regenerate the committed page with::

    python -m flamehub._endpoints > docs/endpoints.rst

Example::

    >>> from flamehub._endpoints import endpoint_rows
    >>> any(row.call == "analysis.build_start()" for row in endpoint_rows())
    True
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator

import attrs

from . import models  # noqa: F401 - the models fill the resource registry
from .dialects import Generation
from .resources.base import (
    REGISTRY,
    Availability,
    Resource,
    ResourceMeta,
    action_spec,
    meta_of,
)

#: The services in the order the page lists them.
SERVICE_ORDER = ("auth", "core", "storage")
_METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}


@attrs.frozen
class EndpointRow:
    """One endpoint reached by flamehub: where it is, the call, which Hubs have it.

    Example::

        EndpointRow("core", "GET", "/", "hub.version", Availability())
    """

    service: str
    method: str
    path: str
    call: str
    availability: Availability
    body: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """``(service, method, path)``: what identifies the endpoint.

        Example::

            ("core", "POST", "/analyses/:id/command")
        """
        return self.service, self.method, self.path


#: Endpoints reached outside the resource declarations.
EXTRA_ENDPOINTS: tuple[EndpointRow, ...] = (
    EndpointRow("core", "GET", "/", "hub.version (detected once)", Availability()),
    EndpointRow("storage", "GET", "/", "hub.version (when no core URL is set)", Availability()),
    EndpointRow(
        "auth",
        "POST",
        "/token",
        "PasswordAuth / ClientAuth / TokenAuth (automatic, with renewal)",
        Availability(),
        body="grant_type=password | client_credentials | refresh_token",
    ),
    EndpointRow(
        "auth",
        "POST",
        "/token",
        "RobotAuth (automatic)",
        Availability(until=(0, 12, 3)),
        body="grant_type=robot_credentials",
    ),
    EndpointRow(
        "storage",
        "POST",
        "/buckets/:id/upload",
        "bucket.upload(*sources)",
        Availability(),
        body="multipart/form-data, streamed",
    ),
    EndpointRow(
        "storage",
        "POST",
        "/buckets/:id/upload",
        "analysis_bucket.upload(*sources)",
        Availability(),
        body="multipart/form-data, streamed",
    ),
    EndpointRow(
        "storage",
        "GET",
        "/buckets/:id/stream",
        "bucket.stream_tarball() / download_tarball(to) / download_all(to)",
        Availability(),
    ),
    EndpointRow(
        "storage",
        "GET",
        "/bucket-files/:id/stream",
        "bucket_file.stream() / download(to)",
        Availability(),
    ),
)

#: Endpoints of hub-api.md §5, §7 and §8 that a script might look for, and why
#: flamehub does not reach them (only shown while no declared call covers them).
OMITTED: dict[tuple[str, str, str], str] = {
    ("auth", "GET", "/"): "authup status page; the Hub version comes from core",
    ("auth", "POST", "/token/introspect"): (
        "token introspection: the auth adapters manage tokens; scripts never need the claims"
    ),
    ("auth", "POST", "/token/revoke"): "token revocation: a session ends when its token expires",
    ("auth", "GET", "/userinfo"): "OpenID userinfo of the caller: not part of the Hub's model",
    ("auth", "GET", "/jwks"): "signing keys: only token verifiers need them",
    ("auth", "GET", "/realms/:id/jwks"): "signing keys: only token verifiers need them",
    ("auth", "GET", "/.well-known/openid-configuration"): "OpenID discovery for browser flows",
    ("auth", "PUT", "/realms/:id"): "authup upsert; flamehub creates with POST and updates "
    "changed fields with POST /:id (a PUT would silently create on a typo'd id)",
    ("auth", "PUT", "/users/:id"): "authup upsert; see PUT /realms/:id",
    ("auth", "PUT", "/roles/:id"): "authup upsert; see PUT /realms/:id",
    ("auth", "PUT", "/permissions/:id"): "authup upsert; see PUT /realms/:id",
    ("auth", "PUT", "/clients/:id"): "authup upsert; see PUT /realms/:id",
    ("auth", "GET", "/realms/:realmId/users"): "same rows as User.objects.filter(realm_id=...)",
    ("auth", "GET", "/realms/:realmId/permissions"): (
        "same rows as Permission.objects.filter(realm_id=...)"
    ),
    ("auth", "GET", "/realms/:realmId/clients"): "same rows as Client.objects.filter(realm_id=...)",
    ("auth", "POST", "/permissions/:id/check"): (
        "authup policy evaluation for the caller: the Hub decides permissions itself"
    ),
    ("auth", "GET", "/scopes"): "authup administration (OAuth2 scopes) outside the Hub's model",
    ("auth", "GET", "/client-scopes"): "authup administration outside the Hub's model",
    ("auth", "GET", "/policies"): "authup policy administration outside the Hub's model",
    ("auth", "GET", "/permission-policies"): "authup policy administration outside the Hub's model",
    ("auth", "GET", "/identity-providers"): "login federation: configured by administrators",
    ("auth", "GET", "/sessions"): "authup session administration",
    ("auth", "GET", "/events"): "authup audit events",
    ("core", "POST", "/analysis-buckets/:id"): (
        "the Hub mounts no updatable field: the request can change nothing"
    ),
    ("core", "POST", "/services/registry/hook"): "Harbor's webhook receiver, called by Harbor",
    ("storage", "POST", "/buckets/:id"): (
        "the Hub mounts no updatable bucket field: the request can change nothing"
    ),
}

#: The endpoints of hub-api.md §5, §7 and §8 (and the legacy-only ones of §9): each must
#: be reached by a row or carry a reason in :data:`OMITTED`.
HUB_API_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("core", "GET", "/"),
    *(
        ("core", method, path)
        for collection in (
            "analyses", "analysis-bucket-files", "analysis-nodes", "nodes", "projects",
            "project-nodes", "registries", "registry-projects", "analysis-buckets",
        )
        for method, path in (
            ("GET", f"/{collection}"),
            ("GET", f"/{collection}/:id"),
            ("POST", f"/{collection}"),
            ("POST", f"/{collection}/:id"),
            ("DELETE", f"/{collection}/:id"),
        )
    ),
    ("core", "POST", "/analyses/:id/command"),
    ("core", "GET", "/analyses/:id/client/credentials"),
    ("core", "POST", "/analyses/:id/client/credentials"),
    ("core", "GET", "/analyses/:id/client/permissions"),
    ("core", "POST", "/analyses/:id/client/permissions"),
    ("core", "DELETE", "/analyses/:id/client/permissions/:permissionId"),
    ("core", "GET", "/analysis-node-events"),
    ("core", "GET", "/analysis-node-events/:id"),
    ("core", "GET", "/analysis-logs"),
    ("core", "DELETE", "/analysis-logs"),
    ("core", "GET", "/analysis-node-logs"),
    ("core", "POST", "/analysis-node-logs"),
    ("core", "DELETE", "/analysis-node-logs"),
    ("core", "GET", "/master-images"),
    ("core", "GET", "/master-images/:id"),
    ("core", "DELETE", "/master-images/:id"),
    ("core", "POST", "/master-images/command"),
    ("core", "GET", "/master-image-groups"),
    ("core", "GET", "/master-image-groups/:id"),
    ("core", "DELETE", "/master-image-groups/:id"),
    ("core", "GET", "/nodes/:id/client/credentials"),
    ("core", "POST", "/nodes/:id/client/credentials"),
    ("core", "GET", "/nodes/:id/registry/credentials"),
    ("core", "POST", "/services/registry/command"),
    ("core", "POST", "/services/registry/hook"),
    ("core", "GET", "/analysis-permissions"),
    ("core", "GET", "/master-image-event-logs"),
    ("core", "GET", "/analysis-logs/:id"),
    ("storage", "GET", "/"),
    ("storage", "GET", "/buckets"),
    ("storage", "GET", "/buckets/:id"),
    ("storage", "POST", "/buckets"),
    ("storage", "POST", "/buckets/:id"),
    ("storage", "DELETE", "/buckets/:id"),
    ("storage", "POST", "/buckets/:id/upload"),
    ("storage", "GET", "/buckets/:id/stream"),
    ("storage", "GET", "/bucket-files"),
    ("storage", "GET", "/bucket-files/:id"),
    ("storage", "DELETE", "/bucket-files/:id"),
    ("storage", "GET", "/bucket-files/:id/stream"),
    ("auth", "GET", "/"),
    ("auth", "POST", "/token"),
    ("auth", "POST", "/token/introspect"),
    ("auth", "POST", "/token/revoke"),
    ("auth", "GET", "/userinfo"),
    ("auth", "GET", "/jwks"),
    ("auth", "GET", "/realms/:id/jwks"),
    ("auth", "GET", "/.well-known/openid-configuration"),
    *(
        ("auth", method, path)
        for collection in ("realms", "users", "roles", "permissions", "clients")
        for method, path in (
            ("GET", f"/{collection}"),
            ("GET", f"/{collection}/:id"),
            ("POST", f"/{collection}"),
            ("POST", f"/{collection}/:id"),
            ("PUT", f"/{collection}/:id"),
            ("DELETE", f"/{collection}/:id"),
        )
    ),
    ("auth", "GET", "/realms/:realmId/users"),
    ("auth", "GET", "/realms/:realmId/permissions"),
    ("auth", "GET", "/realms/:realmId/clients"),
    *(
        ("auth", method, path)
        for collection in (
            "role-permissions", "user-permissions", "client-permissions", "user-roles",
            "client-roles", "robots",
        )
        for method, path in (
            ("GET", f"/{collection}"),
            ("GET", f"/{collection}/:id"),
            ("POST", f"/{collection}"),
            ("DELETE", f"/{collection}/:id"),
        )
    ),
    ("auth", "POST", "/role-permissions/:id"),
    ("auth", "POST", "/user-permissions/:id"),
    ("auth", "POST", "/client-permissions/:id"),
    ("auth", "POST", "/robots/:id"),
    ("auth", "POST", "/permissions/:id/check"),
    ("auth", "GET", "/scopes"),
    ("auth", "GET", "/client-scopes"),
    ("auth", "GET", "/policies"),
    ("auth", "GET", "/permission-policies"),
    ("auth", "GET", "/identity-providers"),
    ("auth", "GET", "/sessions"),
    ("auth", "GET", "/events"),
)  # fmt: skip


def _instance_name(model: type) -> str:
    """``AnalysisNode`` -> ``analysis_node``: how the table names an instance."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


def _narrowed(availability: Availability, generations: frozenset[Generation]) -> Availability:
    return attrs.evolve(availability, generations=availability.generations & generations)


def _resource_rows(model: type[Resource], meta: ResourceMeta) -> Iterator[EndpointRow]:
    name = model.__name__
    instance = _instance_name(model)
    collection, record = f"/{meta.path}", f"/{meta.path}/:id"
    operations = (
        (None, "GET", collection, f"{name}.objects.filter(...)"),
        ("gettable", "GET", record, f"{name}.objects.get(id=...)"),
        ("creatable", "POST", collection, f"{name}.objects.create(...)"),
        ("updatable", "POST", record, f"{instance}.save()"),
        ("deletable", "DELETE", record, f"{instance}.delete()"),
        ("bulk_delete", "DELETE", collection, f"{name}.objects.filter(...).delete()"),
    )
    for operation, method, path, call in operations:
        generations = frozenset(
            generation
            for generation in meta.generations
            if operation is None or meta.allows(operation, generation)
        )
        if generations:
            yield EndpointRow(meta.service, method, path, call, Availability(generations))


def _action_rows(model: type[Resource], meta: ResourceMeta) -> Iterator[EndpointRow]:
    owners: list[tuple[type, str]] = [(model, _instance_name(model))]
    if meta.manager_class is not None:
        owners.append((meta.manager_class, f"{model.__name__}.objects"))
    for owner, prefix in owners:
        for attribute, value in inspect.getmembers(owner):
            spec = action_spec(value)
            if spec is None or attribute.startswith("_"):
                continue
            parameters = [
                p.name
                for p in list(inspect.signature(value).parameters.values())[1:]
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            yield EndpointRow(
                meta.service,
                spec.method,
                spec.path(meta),
                f"{prefix}.{attribute}({', '.join(parameters)})",
                _narrowed(spec.availability, meta.generations),
                body=spec.body,
            )


def endpoint_rows() -> list[EndpointRow]:
    """Every endpoint a flamehub call reaches, sorted by service, path and method.

    Example::

        for row in endpoint_rows():
            print(row.method, row.path, row.call)
    """
    rows: list[EndpointRow] = list(EXTRA_ENDPOINTS)
    for model in REGISTRY.library():
        meta = meta_of(model)
        rows.extend(_resource_rows(model, meta))
        rows.extend(_action_rows(model, meta))
    return sorted(
        rows,
        key=lambda row: (
            SERVICE_ORDER.index(row.service),
            row.path,
            _METHOD_ORDER.get(row.method, 9),
            row.call,
        ),
    )


def unreached_endpoints(rows: Iterable[EndpointRow] | None = None) -> list[tuple[str, str, str]]:
    """Endpoints of :data:`HUB_API_ENDPOINTS` that no row reaches.

    Example::

        missing_reasons = [e for e in unreached_endpoints() if e not in OMITTED]
    """
    covered = {row.key for row in (endpoint_rows() if rows is None else rows)}
    unreached = [endpoint for endpoint in HUB_API_ENDPOINTS if endpoint not in covered]
    return sorted(unreached, key=lambda e: (SERVICE_ORDER.index(e[0]), e[2], e[1]))


def _literal(text: str) -> str:
    return f"``{text}``" if text else ""


def _table(header: list[str], lines: list[list[str]], widths: str) -> list[str]:
    out = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for cells in [header, *lines]:
        out.append(f"   * - {cells[0]}".rstrip())
        out.extend(f"     - {cell}".rstrip() for cell in cells[1:])
    out.append("")
    return out


def render() -> str:
    """The reStructuredText page (``docs/endpoints.rst``).

    Example::

        Path("docs/endpoints.rst").write_text(render())
    """
    rows = endpoint_rows()
    out = [
        ".. Generated by ``python -m flamehub._endpoints > docs/endpoints.rst``; do not edit.",
        "",
        "Hub endpoints",
        "=============",
        "",
        "Every endpoint of the FLAME Hub API that flamehub reaches, the call that reaches it",
        "and the Hubs that have it (*legacy*: Hub 0.8.x - 0.12.x, *current*: Hub >= 0.13).",
        "Paths are relative to the service (``/core/``, ``/storage/``, ``/auth/`` behind the",
        "Hub's proxy). Calling something the connected Hub does not have raises",
        "``UnsupportedByHub`` before any request is sent.",
        "",
    ]
    for service in SERVICE_ORDER:
        title = f"{service} service"
        out.extend([title, "-" * len(title), ""])
        lines = [
            [
                _literal(row.method),
                _literal(row.path),
                _literal(row.body),
                _literal(row.call),
                row.availability.describe(),
            ]
            for row in rows
            if row.service == service
        ]
        out.extend(_table(["Method", "Path", "Body", "flamehub", "Hubs"], lines, "8 30 22 28 12"))
    out.extend(_relations_section())
    unreached = unreached_endpoints(rows)
    out.extend(["Not reached by flamehub", "-----------------------", ""])
    lines = [
        [service, _literal(method), _literal(path), OMITTED.get((service, method, path), "")]
        for service, method, path in unreached
    ]
    out.extend(_table(["Service", "Method", "Path", "Why"], lines, "10 8 32 50"))
    return "\n".join(out).rstrip() + "\n"


# -- relations (the declarations' relation() fields and related managers) -----------------


def relation_rows() -> list[list[str]]:
    """One row per relation: resource, relation, key, target, how each generation reads it.

    Example::

        ["``Node``", "``realm``", "``realm_id``", "``Realm`` (auth)", "batched", "batched"]
        in relation_rows()      # True
    """
    from .query.relations import reverse_relations
    from .resources.related import forward_relations

    lines = []
    for model in sorted(REGISTRY.library(), key=lambda m: m.__name__):
        meta = meta_of(model)
        for name, relation in sorted(forward_relations(model).items()):
            target = relation.target(model)
            key = relation.id_field if relation.has_id_field(model) else "(embedded only)"
            how = []
            for generation in (Generation.LEGACY, Generation.CURRENT):
                if not meta.capabilities(generation).available:
                    how.append("")
                elif name in meta.capabilities(generation).includes:
                    how.append("include")
                elif relation.has_id_field(model) and meta.fields[key].exists_on(generation):
                    how.append("batched")
                else:
                    how.append("")
            lines.append(
                [
                    _literal(model.__name__),
                    _literal(name),
                    _literal(key),
                    f"{_literal(target.__name__)} ({meta_of(target).service})",
                    *how,
                ]
            )
        for name, manager in sorted(reverse_relations(model).items()):
            lines.append(
                [
                    _literal(model.__name__),
                    _literal(name),
                    _literal(f"{manager.model_name}.{manager.field}"),
                    f"{_literal(manager.model_name)} rows (related manager)",
                    "batched",
                    "batched",
                ]
            )
    return lines


def _relations_section() -> list[str]:
    out = [
        "Relations",
        "---------",
        "",
        "Every relation a resource declares: ``select_related()`` asks the Hub to embed it",
        "(``include``) where the column says *include*, and fetches it in ``id__in`` batches",
        "of 50 (*batched*) otherwise, as ``prefetch_related()`` always does; reading one on",
        "a single object is one ``GET`` by id. A key ``Model.field`` is the field of the",
        "related rows that points back (a related manager). See :doc:`queries`.",
        "",
    ]
    out.extend(
        _table(
            ["Resource", "Relation", "Key", "Related", "legacy", "current"],
            relation_rows(),
            "18 18 24 24 8 8",
        )
    )
    return out


def main() -> None:
    """Print the page.

    Example::

        python -m flamehub._endpoints > docs/endpoints.rst
    """
    print(render(), end="")


if __name__ == "__main__":
    main()
