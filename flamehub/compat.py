"""A drop-in facade for scripts written against flame-hub-client.

``AuthClient``, ``CoreClient`` and ``StorageClient`` offer the function families
flame-hub-client users know, generated from the resource declarations
(:data:`flamehub.resources.base.REGISTRY`) on top of the ORM:

- ``get_<plural>()``: the first 50 rows;
- ``find_<plural>(filter=..., page=..., sort=..., fields=..., meta=False)``;
- ``get_<singular>(id)``: the row, or ``None`` when it does not exist;
- ``create_<singular>(...)``, ``update_<singular>(obj_or_id, **changes)``,
  ``delete_<singular>(obj_or_id)`` where the Hub has them;
- the action functions (commands, credentials, uploads and downloads).

Every call is a thin translation into a QuerySet or a resource method: requests,
parsing, paging and error handling are the ORM's. ``docs/migration.rst`` lists
the old call, the facade call and the ORM equivalent side by side, and where
flamehub deliberately behaves differently.

Example::

    from flamehub.auth import PasswordAuth
    from flamehub.compat import CoreClient

    auth = PasswordAuth(username="admin", password="start123",
                        base_url="http://localhost:3000/auth/")
    core_client = CoreClient(base_url="http://localhost:3000/core/", auth=auth)
    core_client.find_nodes(filter={"name": "~site-"}, sort={"by": "created_at"})
"""

from __future__ import annotations

import inspect
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import attrs
import requests

from . import errors
from . import models as _models  # noqa: F401 - every resource is declared (REGISTRY is full)
from .auth import HubAuth
from .dialects import Generation, snake_case
from .files import MIN_CHUNK_SIZE, DownloadStream
from .hub import PUBLIC_AUTH_URL, PUBLIC_CORE_URL, PUBLIC_STORAGE_URL, Hub, sibling_service_url
from .query.queryset import QuerySet
from .resources.base import REGISTRY, Resource, ResourceMeta, _dump_value, id_segment, meta_of
from .resources.core import Analysis, AnalysisLog, AnalysisNodeLog, MasterImage, Node, Registry
from .resources.storage import Bucket, BucketFile
from .types import UNSET, FilterOperator

__all__ = [
    "AuthClient",
    "CoreClient",
    "ResourceListMeta",
    "StorageClient",
    "UpdateModel",
    "generated_functions",
    "update_model_for",
]

M = TypeVar("M", bound=Resource)

#: Rows of ``get_<plural>()`` and the default ``page[limit]`` of ``find_<plural>()``.
DEFAULT_LIMIT = 50

#: flame-hub-client's keyword names that differ from the field names.
_ALIASES: dict[str, dict[str, str]] = {
    "Node": {"node_type": "type"},
    "RegistryProject": {"registry_project_type": "type"},
    "AnalysisBucket": {"bucket_type": "type"},
    "AnalysisBucketFile": {"is_entrypoint": "root"},
}

#: The positional parameters of flame-hub-client's ``create_<singular>()``, in its order
#: (that of the 0.x client the README describes; for resources whose fields exist on
#: current Hubs only, that of the 1.x client). Resources not listed take their required
#: fields, in declaration order.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "Realm": ("name", "display_name", "description"),
    "Permission": ("name", "display_name", "description", "realm_id"),
    "Role": ("name", "display_name", "description"),
    "RolePermission": ("role_id", "permission_id"),
    "User": ("name", "email", "display_name", "active", "name_locked", "first_name", "last_name"),
    "UserPermission": ("user_id", "permission_id"),
    "UserRole": ("user_id", "role_id"),
    "Client": (
        "name",
        "realm_id",
        "secret",
        "display_name",
        "description",
        "redirect_uri",
        "active",
        "is_confidential",
        "secret_hashed",
        "grant_types",
    ),
    "Robot": ("name", "realm_id", "secret", "display_name"),
    "Node": ("name", "realm_id", "registry_id", "external_name", "type", "hidden"),
    "Project": ("name", "master_image_id", "description"),
    "ProjectNode": ("project_id", "node_id"),
    "Analysis": (
        "project_id",
        "name",
        "description",
        "master_image_id",
        "registry_id",
        "image_command_arguments",
    ),
    "AnalysisNode": ("analysis_id", "node_id"),
    "AnalysisNodeLog": ("analysis_id", "node_id", "level", "message", "status", "code"),
    "AnalysisBucket": ("type", "bucket_id", "analysis_id"),
    "AnalysisBucketFile": ("path", "bucket_file_id", "bucket_id", "analysis_bucket_id", "root"),
    "Registry": ("name", "host", "account_name", "account_secret"),
    "RegistryProject": ("name", "type", "registry_id", "external_name"),
    "Bucket": ("name", "region"),
}

#: What the raw-string prefixes of flame-hub-client's filters meant (longest first).
_RAW_PREFIXES: tuple[tuple[str, FilterOperator], ...] = (
    ("<=", FilterOperator.le),
    (">=", FilterOperator.ge),
    ("<", FilterOperator.lt),
    (">", FilterOperator.gt),
    ("~", FilterOperator.like),
)

#: The QuerySet lookup of each operator (``neq`` is an ``exclude`` of ``eq``).
_LOOKUPS: dict[FilterOperator, str] = {
    FilterOperator.eq: "exact",
    FilterOperator.like: "startswith",
    FilterOperator.lt: "lt",
    FilterOperator.le: "lte",
    FilterOperator.gt: "gt",
    FilterOperator.ge: "gte",
}

_SORT_ORDERS = {"ascending": "", "descending": "-"}


@attrs.frozen
class ResourceListMeta:
    """What ``find_<plural>(..., meta=True)`` returns next to the rows.

    Example::

        nodes, meta = core_client.find_nodes(page={"limit": 10}, meta=True)
        print(meta.total, meta.limit, meta.offset)
    """

    total: int
    limit: int
    offset: int

    def model_dump(self) -> dict[str, int]:
        """``{"total": ..., "limit": ..., "offset": ...}``.

        Example::

            meta.model_dump()["total"]
        """
        return attrs.asdict(self)


# -- names and values ---------------------------------------------------------------------


def _singular(meta: ResourceMeta) -> str:
    return meta.name.replace("-", "_")


def _plural(meta: ResourceMeta) -> str:
    return meta.verbose_name_plural.replace("-", "_")


def _field_name(model: type[Resource], key: str) -> str:
    """A flame-hub-client keyword or wire name (``node_type``, ``realmId``) as a field name."""
    name = _ALIASES.get(model.__name__, {}).get(key, key)
    return snake_case(name)


def _pk(model: type[Resource], obj_or_id: Any) -> Any:
    """The id of a resource object, a UUID or an id string (one URL segment: id_segment)."""
    if not isinstance(obj_or_id, (Resource, uuid.UUID, str)):
        raise errors.QueryError(f"{obj_or_id!r} is not a {model.__name__} or an id")
    id_segment(obj_or_id, f"{model.__name__} id")
    return obj_or_id.pk if isinstance(obj_or_id, Resource) else obj_or_id


def _stub(model: type[M], obj_or_id: Any) -> M:
    """An unsaved ``model`` object carrying only the id, to call instance methods on."""
    return model(id=_pk(model, obj_or_id))


def _values(model: type[Resource], values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Field values for a create or update: aliases resolved, ``UNSET`` (and on create
    ``None``) left out, resource objects replaced by their ids."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is UNSET or (creating and value is None):
            continue
        if isinstance(value, Resource):
            value = value.pk
        out[_field_name(model, key)] = value
    return out


# -- find: filter, sort, page, fields --------------------------------------------------------


def _parse_filter(raw: Any) -> tuple[bool, FilterOperator, Any]:
    """``(negated, operator, value)`` of one flame-hub-client filter entry.

    ``operator`` is never ``neq``: "not equal" is ``eq`` negated (and a raw ``"!~x"`` is
    ``like`` negated).
    """
    if isinstance(raw, tuple) and len(raw) == 2:
        operator, value = raw
        if isinstance(operator, str) and operator in FilterOperator._value2member_map_:
            operator = FilterOperator(operator)
            if operator is FilterOperator.neq:
                return True, FilterOperator.eq, value
            return False, operator, value
    if isinstance(raw, str):
        negated = raw.startswith("!")
        text = raw[1:] if negated else raw
        for prefix, operator in _RAW_PREFIXES:
            if text.startswith(prefix):
                if negated and operator is not FilterOperator.like:
                    raise errors.QueryError(
                        f"filter value {raw!r}: '!' cannot be combined with {prefix!r}"
                    )
                return negated, operator, text[len(prefix) :]
        return negated, FilterOperator.eq, text
    return False, FilterOperator.eq, raw


def _lookup(field: str, operator: FilterOperator, value: Any) -> tuple[str, Any]:
    """The QuerySet lookup (``name__startswith``) and value of one filter entry."""
    if value is None:
        if operator is not FilterOperator.eq:
            raise errors.QueryError(f"filter {field}: {operator.name} needs a value, not None")
        return f"{field}__isnull", True
    if operator is FilterOperator.eq and isinstance(value, (list, tuple, set, frozenset)):
        return f"{field}__in", list(value)
    lookup = _LOOKUPS[operator]
    return (field if lookup == "exact" else f"{field}__{lookup}"), value


def _apply_filter(queryset: QuerySet[M], filter_params: Mapping[str, Any] | None) -> QuerySet[M]:
    if not filter_params:
        return queryset
    if not isinstance(filter_params, Mapping):
        raise errors.QueryError(f"filter must be a dict of field -> value, not {filter_params!r}")
    keep: dict[str, Any] = {}
    drop: list[dict[str, Any]] = []
    for key, raw in filter_params.items():
        negated, operator, value = _parse_filter(raw)
        lookup, value = _lookup(_field_name(queryset.model, str(key)), operator, value)
        if negated:
            drop.append({lookup: value})
        else:
            keep[lookup] = value
    queryset = queryset.filter(**keep) if keep else queryset
    for condition in drop:  # one exclude() each: "not a and not b", as the Hub reads it
        queryset = queryset.exclude(**condition)
    return queryset


def _apply_sort(queryset: QuerySet[M], sort: Mapping[str, Any] | None) -> QuerySet[M]:
    if not sort or sort.get("by") is None:
        return queryset
    order = sort.get("order", "ascending")
    if order not in _SORT_ORDERS:
        raise errors.QueryError(f"sort order must be 'ascending' or 'descending', not {order!r}")
    unknown = set(sort) - {"by", "order"}
    if unknown:
        raise errors.QueryError(f"sort takes 'by' and 'order', not {', '.join(sorted(unknown))}")
    field = _field_name(queryset.model, str(sort["by"]))
    return queryset.order_by(_SORT_ORDERS[order] + field)


def _apply_fields(queryset: QuerySet[M], fields: str | Iterable[str] | None) -> QuerySet[M]:
    if not fields:
        return queryset
    names = [fields] if isinstance(fields, str) else list(fields)
    return queryset.with_fields(*(_field_name(queryset.model, n.lstrip("+")) for n in names))


def _page(page: Mapping[str, Any] | None) -> tuple[int, int]:
    page = page or {}
    unknown = set(page) - {"limit", "offset"}
    if unknown:
        raise errors.QueryError(
            f"page takes 'limit' and 'offset', not {', '.join(sorted(unknown))}"
        )
    limit, offset = page.get("limit", DEFAULT_LIMIT), page.get("offset", 0)
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise errors.QueryError(f"page {name} must be an integer >= 0, not {value!r}")
    return limit, offset


# -- update models ---------------------------------------------------------------------------


class UpdateModel:
    """The changes of an update; fields given :data:`~flamehub.types.UNSET` are left out.

    ``flamehub.models.Update<Resource>`` (``UpdateNode`` ...) are its subclasses, made on
    first use by :func:`update_model_for`. Unknown or non-updatable fields raise
    :class:`~flamehub.QueryError`.

    Example::

        from flamehub.models import UNSET, UpdateNode

        changes = UpdateNode(hidden=False, external_name=None, type=UNSET)
        changes.model_dump(exclude_unset=True)     # {'hidden': False, 'external_name': None}
        core_client.update_node(node, changes)
    """

    resource: ClassVar[type[Resource]]

    def __init__(self, **values: Any) -> None:
        allowed = _updatable_fields(self.resource)
        changes: dict[str, Any] = {}
        for key, value in values.items():
            name = _field_name(self.resource, key)
            if name not in allowed:
                raise errors.QueryError(
                    f"{self.resource.__name__} has no updatable field {key!r}; updatable: "
                    f"{', '.join(sorted(allowed)) or '(none)'}"
                )
            if value is not UNSET:
                changes[name] = value
        object.__setattr__(self, "_changes", changes)

    def __getattr__(self, name: str) -> Any:
        if name in _updatable_fields(self.resource):
            return self.__dict__["_changes"].get(name, UNSET)
        raise AttributeError(name)

    def model_dump(
        self, *, mode: str = "python", exclude_none: bool = False, exclude_unset: bool = False
    ) -> dict[str, Any]:
        """The changes as a dict; ``exclude_unset=True`` leaves out fields never given.

        Example::

            UpdateNode(hidden=True).model_dump(exclude_unset=True)     # {'hidden': True}
        """
        changes: dict[str, Any] = self.__dict__["_changes"]
        if exclude_unset:
            values = dict(changes)
        else:
            values = {name: changes.get(name) for name in sorted(_updatable_fields(self.resource))}
        return {
            name: _dump_value(value, mode, exclude_none)
            for name, value in values.items()
            if not (exclude_none and value is None)
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__["_changes"].items())
        return f"{type(self).__name__}({shown})"


def _updatable_fields(model: type[Resource]) -> frozenset[str]:
    meta = meta_of(model)
    return frozenset(name for name, spec in meta.scalar_fields.items() if spec.options.update)


_UPDATE_MODELS: dict[type[Resource], type[UpdateModel]] = {}


def update_model_for(model: type[Resource]) -> type[UpdateModel]:
    """The ``Update<Resource>`` class of ``model`` (what ``flamehub.models.UpdateNode`` is).

    Example::

        update_model_for(Node)(hidden=True).model_dump(exclude_unset=True)
    """
    made = _UPDATE_MODELS.get(model)
    if made is None:
        attributes = {"resource": model, "__module__": "flamehub.models"}
        made = type(f"Update{model.__name__}", (UpdateModel,), attributes)
        made.__doc__ = UpdateModel.__doc__
        _UPDATE_MODELS[model] = made
    return made


# -- the clients -----------------------------------------------------------------------------


class _HubServiceClient:
    """Base of the three facade clients: one service of one :class:`~flamehub.Hub`.

    Args:
        base_url: the service URL (default: the public FLAME Hub's).
        auth: :class:`~flamehub.auth.PasswordAuth`, :class:`~flamehub.auth.RobotAuth`,
            :class:`~flamehub.auth.ClientAuth` or :class:`~flamehub.TokenAuth`.
        client: a :class:`requests.Session` to send requests with (proxies, CA bundles).
        hub: an existing :class:`~flamehub.Hub` to use instead of building one.
    """

    service: ClassVar[str]
    default_url: ClassVar[str]
    #: The variable name used in the generated docstrings' examples.
    example_name: ClassVar[str]
    #: The Hub this client sends through (shared when given as ``hub=``).
    hub: Hub

    def __init__(
        self,
        base_url: str | None = None,
        auth: HubAuth | None = None,
        client: requests.Session | None = None,
        *,
        hub: Hub | None = None,
    ) -> None:
        if hub is not None:
            if base_url is not None or auth is not None or client is not None:
                raise TypeError("pass either hub= or base_url/auth/client, not both")
            self.hub = hub
            self._owns_hub = False
            return
        url = base_url or self.default_url
        urls: dict[str, str] = {f"{self.service}_url": url}
        if self.service != "auth" and (auth is None or not auth.base_url):
            auth_url = sibling_service_url(url, "auth")
            if auth_url:
                urls["auth_url"] = auth_url
        elif self.service != "auth" and auth is not None and auth.base_url:
            urls["auth_url"] = auth.base_url  # (relations) rows follow realms, users ...
        # (relations) rows of auth and core follow relations into the other services; a
        # storage row relates to auth only (a core URL would change its version detection)
        for other in ("core", "storage") if self.service != "storage" else ():
            sibling = sibling_service_url(url, other) if other != self.service else None
            if sibling:
                urls[f"{other}_url"] = sibling
        self.hub = Hub(auth=auth, session=client, **urls)  # type: ignore[arg-type]
        self._owns_hub = True

    def close(self) -> None:
        """Close the connections of the Hub this client built (not of one passed as ``hub=``).

        Example::

            core_client.close()
        """
        if self._owns_hub:
            self.hub.close()

    def __enter__(self) -> _HubServiceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.hub.service_url(self.service)}>"

    # -- the mechanisms behind the generated functions ----------------------------------

    def _find(
        self,
        model: type[M],
        *,
        filter: Mapping[str, Any] | None = None,
        page: Mapping[str, Any] | None = None,
        sort: Mapping[str, Any] | None = None,
        fields: str | Iterable[str] | None = None,
        meta: bool = False,
    ) -> list[M] | tuple[list[M], ResourceListMeta]:
        queryset: QuerySet[M] = model.objects.using(self.hub)
        queryset = _apply_fields(_apply_sort(_apply_filter(queryset, filter), sort), fields)
        limit, offset = _page(page)
        window = queryset[offset : offset + limit]
        rows = list(window)
        if not meta:
            return rows
        total = getattr(window, "_known_total", None)
        if total is None:
            total = queryset.count()
        return rows, ResourceListMeta(total=total, limit=limit, offset=offset)

    def _get(
        self, model: type[M], obj_or_id: Any, *, fields: str | Iterable[str] | None = None
    ) -> M | None:
        queryset: QuerySet[M] = _apply_fields(model.objects.using(self.hub), fields)
        try:
            return queryset.get(id=_pk(model, obj_or_id))
        except model.DoesNotExist:
            return None

    def _create(self, model: type[M], values: Mapping[str, Any]) -> M:
        return model.objects.using(self.hub).create(**_values(model, values, creating=True))

    def _update(
        self, model: type[M], obj_or_id: Any, changes: UpdateModel | None, values: Mapping[str, Any]
    ) -> M:
        merged: dict[str, Any] = {}
        if changes is not None:
            if not isinstance(changes, UpdateModel) or changes.resource is not model:
                raise TypeError(f"expected Update{model.__name__}, not {changes!r}")
            merged.update(changes.model_dump(exclude_unset=True))
        merged.update(values)
        stub = _stub(model, obj_or_id)
        return stub.update_fields(_values(model, merged, creating=False), using=self.hub)

    def _delete(self, model: type[Resource], obj_or_id: Any) -> None:
        _stub(model, obj_or_id).delete(using=self.hub)


class AuthClient(_HubServiceClient):
    """The auth service (authup): realms, users, roles, permissions, clients, robots ...

    Example::

        auth = PasswordAuth(username="admin", password="start123",
                            base_url="http://localhost:3000/auth/")
        auth_client = AuthClient(base_url="http://localhost:3000/auth/", auth=auth)
        master = auth_client.find_realms(filter={"name": "master"}).pop()
    """

    service = "auth"
    default_url = PUBLIC_AUTH_URL
    example_name = "auth_client"


class CoreClient(_HubServiceClient):
    """The core service: nodes, projects, analyses, registries, master images, logs ...

    Example::

        core_client = CoreClient(base_url="http://localhost:3000/core/", auth=auth)
        node = core_client.create_node(name="my-node", realm_id=realm_id)
    """

    service = "core"
    default_url = PUBLIC_CORE_URL
    example_name = "core_client"

    def send_analysis_command(self, analysis_id: Any, command: str) -> Analysis:
        """Run an analysis command (``spinUp``, ``buildStart`` ...) and return the analysis.

        ORM: ``analysis.command(command)``.

        Example::

            core_client.send_analysis_command(analysis, "configurationLock")
        """
        return _stub(Analysis, analysis_id).command(command, using=self.hub)

    def send_registry_command(self, registry_id: Any, command: str) -> None:
        """Send a registry service command (``setup``, ``cleanup``) for a registry.

        ORM: ``registry.command(command)``.

        Example::

            core_client.send_registry_command(registry, "setup")
        """
        _stub(Registry, registry_id).command(command, using=self.hub)

    def sync_master_images(self) -> None:
        """Ask the Hub to synchronise its master images (asynchronous).

        ORM: ``MasterImage.objects.sync()``.

        Example::

            core_client.sync_master_images()
        """
        MasterImage.objects.sync(using=self.hub)

    def build_master_image(self, master_image_id: Any) -> MasterImage:
        """Build a master image in the Hub's registry (current Hubs).

        ORM: ``image.build()``.

        Example::

            core_client.build_master_image(image)
        """
        return _stub(MasterImage, master_image_id).build(using=self.hub)

    def get_node_client_credentials(self, node_id: Any) -> Any:
        """The node's OAuth2 client id and secret (Hub >= 0.11.4).

        ORM: ``node.client_credentials()``.

        Example::

            creds = core_client.get_node_client_credentials(node)
            ClientAuth(str(creds.id), creds.secret)
        """
        return _stub(Node, node_id).client_credentials(using=self.hub)

    def update_node_client_credentials(self, node_id: Any, secret: str | None = None) -> Any:
        """Set the node client's secret, or let the Hub generate one (``secret=None``).

        ORM: ``node.rotate_client_secret(secret)``.

        Example::

            creds = core_client.update_node_client_credentials(node)
        """
        return _stub(Node, node_id).rotate_client_secret(secret, using=self.hub)

    def get_node_registry_credentials(self, node_id: Any) -> Any:
        """The login of the node's registry project.

        ORM: ``node.registry_credentials()``.

        Example::

            creds = core_client.get_node_registry_credentials(node)
        """
        return _stub(Node, node_id).registry_credentials(using=self.hub)

    def get_analysis_client_credentials(self, analysis_id: Any) -> Any:
        """The analysis' OAuth2 client id and secret (Hub >= 0.11.4).

        ORM: ``analysis.client_credentials()``.

        Example::

            creds = core_client.get_analysis_client_credentials(analysis)
        """
        return _stub(Analysis, analysis_id).client_credentials(using=self.hub)

    def update_analysis_client_credentials(
        self, analysis_id: Any, secret: str | None = None
    ) -> Any:
        """Set the analysis client's secret, or let the Hub generate one (``secret=None``).

        ORM: ``analysis.rotate_client_secret(secret)``.

        Example::

            creds = core_client.update_analysis_client_credentials(analysis)
        """
        return _stub(Analysis, analysis_id).rotate_client_secret(secret, using=self.hub)

    def delete_analysis_logs(self, analysis_id: Any) -> None:
        """Delete every log line of an analysis (current Hubs).

        ORM: ``AnalysisLog.objects.filter(analysis_id=...).delete()``.

        Example::

            core_client.delete_analysis_logs(analysis)
        """
        logs = AnalysisLog.objects.using(self.hub)
        _delete_by_filter(logs.filter(analysis_id=_pk(Analysis, analysis_id)))

    def delete_analysis_node_logs(self, analysis_id: Any, node_id: Any) -> None:
        """Delete every log line one node wrote for an analysis (current Hubs).

        ORM: ``AnalysisNodeLog.objects.filter(analysis_id=..., node_id=...).delete()``.

        Example::

            core_client.delete_analysis_node_logs(analysis, node)
        """
        logs = AnalysisNodeLog.objects.using(self.hub)
        _delete_by_filter(
            logs.filter(analysis_id=_pk(Analysis, analysis_id), node_id=_pk(Node, node_id))
        )


def _delete_by_filter(query: QuerySet[Any]) -> None:
    """The Hub's delete-by-filter, as flame-hub-client sends it; UnsupportedByHub where the
    Hub has none (legacy), although ``QuerySet.delete()`` would delete row by row there."""
    hub = query._resolve_hub()
    query.meta.require_operation("bulk_delete", query._dialect(hub), "bulk-deleted")
    query.delete()


class StorageClient(_HubServiceClient):
    """The storage service: buckets, bucket files, uploads and downloads.

    Example::

        storage_client = StorageClient(base_url="http://localhost:3000/storage/", auth=auth)
        bucket = storage_client.create_bucket("my-bucket")
        storage_client.upload_to_bucket(bucket, {"file_name": "a.txt", "content": b"hello"})
    """

    service = "storage"
    default_url = PUBLIC_STORAGE_URL
    example_name = "storage_client"

    def upload_to_bucket(self, bucket_id: Any, *upload_file: Mapping[str, Any]) -> list[BucketFile]:
        """Upload files given as ``{"file_name": ..., "content": bytes | str | binary file}``.

        ``content_type`` is accepted and not needed (the Hub stores bytes). ORM:
        ``bucket.upload(("a.txt", b"hello"))``.

        Example::

            files = storage_client.upload_to_bucket(
                bucket, {"file_name": "a.txt", "content": b"hello"}
            )
        """
        sources: list[tuple[str, Any]] = []
        for item in upload_file:
            content = item["content"]
            if isinstance(content, str):
                content = content.encode()
            if isinstance(content, (bytes, bytearray)):
                content = io.BytesIO(bytes(content))
            sources.append((str(item["file_name"]), content))
        return _stub(Bucket, bucket_id).upload(*sources, using=self.hub)

    def stream_bucket_file(self, bucket_file_id: Any, chunk_size: int = 1024) -> Iterator[bytes]:
        """The bytes of a bucket file, ``chunk_size`` at a time.

        ORM: ``with bucket_file.stream() as chunks: ...``.

        Example::

            data = b"".join(storage_client.stream_bucket_file(bucket_file))
        """
        stub = _stub(BucketFile, bucket_file_id)
        stream = stub.stream(chunk_size=_read_size(chunk_size), using=self.hub)
        yield from _rechunk(stream, chunk_size)

    def stream_bucket_tarball(self, bucket_id: Any, chunk_size: int = 1024) -> Iterator[bytes]:
        """A bucket as a tar archive, ``chunk_size`` bytes at a time.

        ORM: ``with bucket.stream_tarball() as chunks: ...``.

        Example::

            tar_bytes = b"".join(storage_client.stream_bucket_tarball(bucket))
        """
        stub = _stub(Bucket, bucket_id)
        stream = stub.stream_tarball(chunk_size=_read_size(chunk_size), using=self.hub)
        yield from _rechunk(stream, chunk_size)


def _read_size(chunk_size: int) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise errors.QueryError(f"chunk_size must be an int >= 1, not {chunk_size!r}")
    return max(chunk_size, MIN_CHUNK_SIZE)


def _rechunk(stream: DownloadStream, chunk_size: int) -> Iterator[bytes]:
    """The stream's bytes in pieces of ``chunk_size`` (the last one may be shorter)."""
    pending = b""
    with stream as chunks:
        for chunk in chunks:
            pending += chunk
            while len(pending) >= chunk_size:
                yield pending[:chunk_size]
                pending = pending[chunk_size:]
    if pending:
        yield pending


# -- generating the per-resource functions ---------------------------------------------------


def _create_fields(meta: ResourceMeta) -> list[str]:
    return [name for name, spec in meta.scalar_fields.items() if spec.options.create]


def _positional(meta: ResourceMeta) -> tuple[str, ...]:
    declared = _POSITIONAL.get(meta.model.__name__)
    if declared is not None:
        return declared
    required: set[str] = set()
    for generation in meta.generations:
        required |= meta.required_on_create(generation)
    return tuple(name for name in _create_fields(meta) if name in required)


def _named(func: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    func.__name__ = name
    func.__qualname__ = name
    func.__doc__ = doc
    return func


def _availability(meta: ResourceMeta) -> str:
    if set(meta.generations) == set(Generation):
        return ""
    only = ", ".join(sorted(g.value for g in meta.generations))
    return f" Exists on {only} Hubs only (elsewhere: :class:`~flamehub.UnsupportedByHub`)."


def _make_functions(resource_meta: ResourceMeta, example: str) -> dict[str, Callable[..., Any]]:
    model = resource_meta.model
    cls_name = model.__name__
    singular, plural = _singular(resource_meta), _plural(resource_meta)
    where = _availability(resource_meta)
    functions: dict[str, Callable[..., Any]] = {}
    filter_key = sorted(
        resource_meta.capabilities(next(iter(resource_meta.generations))).filters or {"id"}
    )[0]

    def get_all(
        self: _HubServiceClient,
        *,
        fields: str | Iterable[str] | None = None,
        meta: bool = False,
    ) -> Any:
        return self._find(model, fields=fields, meta=meta)

    functions[f"get_{plural}"] = _named(
        get_all,
        f"get_{plural}",
        f"The first {DEFAULT_LIMIT} {cls_name} rows (``meta=True``: also their "
        f":class:`ResourceListMeta`).{where}\n\nORM: ``{cls_name}.objects.all()[:50]``.\n\n"
        f"Example::\n\n    {example}.get_{plural}()\n",
    )

    def find(
        self: _HubServiceClient,
        *,
        filter: Mapping[str, Any] | None = None,
        page: Mapping[str, Any] | None = None,
        sort: Mapping[str, Any] | None = None,
        fields: str | Iterable[str] | None = None,
        meta: bool = False,
    ) -> Any:
        return self._find(model, filter=filter, page=page, sort=sort, fields=fields, meta=meta)

    functions[f"find_{plural}"] = _named(
        find,
        f"find_{plural}",
        f"{cls_name} rows matching ``filter``, sorted by ``sort``, one ``page``.{where}\n\n"
        "``filter`` values: a value (exact), a list (any of), ``None`` (is null), "
        "``'~x'`` or ``(FilterOperator.like, 'x')`` (starts with x on every Hub), or "
        "``(FilterOperator.<op>, value)``. A key the Hub would ignore raises "
        f":class:`~flamehub.QueryError`.\n\nORM: ``{cls_name}.objects.filter(...)"
        ".order_by(...)[offset:offset + limit]``.\n\n"
        f"Example::\n\n    {example}.find_{plural}(filter={{{filter_key!r}: ...}}, "
        'page={"limit": 10}, sort={"by": "created_at", "order": "descending"})\n',
    )

    if resource_meta.allows_any("gettable"):

        def get_one(
            self: _HubServiceClient, obj_or_id: Any, *, fields: str | Iterable[str] | None = None
        ) -> Any:
            return self._get(model, obj_or_id, fields=fields)

        functions[f"get_{singular}"] = _named(
            get_one,
            f"get_{singular}",
            f"The {cls_name} with this id (or object), or ``None`` if it does not exist."
            f"{where}\n\nORM: ``{cls_name}.objects.get(id=...)`` (raises "
            f"``{cls_name}.DoesNotExist``).\n\n"
            f"Example::\n\n    {example}.get_{singular}({singular}_id)\n",
        )

    if resource_meta.allows_any("creatable") and _create_fields(resource_meta):
        positional = _positional(resource_meta)

        def create(self: _HubServiceClient, *args: Any, **values: Any) -> Any:
            if len(args) > len(positional):
                raise TypeError(
                    f"create_{singular}() takes at most {len(positional)} positional "
                    f"arguments ({', '.join(positional)}), {len(args)} given"
                )
            for name, value in zip(positional, args, strict=False):
                if name in values:
                    raise TypeError(f"create_{singular}() got multiple values for {name!r}")
                values[name] = value
            return self._create(model, values)

        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        params += [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
            for name in positional
        ]
        params.append(inspect.Parameter("values", inspect.Parameter.VAR_KEYWORD))
        create.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        shown = ", ".join(f"{name}=..." for name in positional[:2])
        functions[f"create_{singular}"] = _named(
            create,
            f"create_{singular}",
            f"Create a {cls_name} and return it as the Hub stored it.{where}\n\n"
            f"Positional: {', '.join(positional) or '(none)'}; any other creatable field "
            "as a keyword. ``None`` and ``UNSET`` values are left out.\n\n"
            f"ORM: ``{cls_name}.objects.create(...)``.\n\n"
            f"Example::\n\n    {example}.create_{singular}({shown})\n",
        )

    if resource_meta.allows_any("updatable") and _updatable_fields(model):

        def update(
            self: _HubServiceClient,
            obj_or_id: Any,
            changes: UpdateModel | None = None,
            /,
            **values: Any,
        ) -> Any:
            return self._update(model, obj_or_id, changes, values)

        functions[f"update_{singular}"] = _named(
            update,
            f"update_{singular}",
            f"Change fields of a {cls_name} (an object or an id); ``UNSET`` values are left "
            f"out, ``None`` sends null. Also takes an ``Update{cls_name}``.{where}\n\n"
            f"ORM: ``obj.field = value; obj.save()``.\n\n"
            f"Example::\n\n    {example}.update_{singular}({singular}, "
            f"{sorted(_updatable_fields(model))[0]}=..., other=UNSET)\n",
        )

    if resource_meta.allows_any("deletable"):

        def delete(self: _HubServiceClient, obj_or_id: Any) -> None:
            self._delete(model, obj_or_id)

        functions[f"delete_{singular}"] = _named(
            delete,
            f"delete_{singular}",
            f"Delete a {cls_name} (an object or an id).{where}\n\n"
            f"ORM: ``obj.delete()``.\n\nExample::\n\n    {example}.delete_{singular}({singular})\n",
        )
    return functions


_CLIENTS: dict[str, type[_HubServiceClient]] = {
    "auth": AuthClient,
    "core": CoreClient,
    "storage": StorageClient,
}


def _resources() -> list[type[Resource]]:
    """Every resource flamehub declares (not mixins and bases, nor resources declared
    elsewhere: an application's own subclasses register themselves too)."""
    return REGISTRY.library()


def _install() -> dict[str, list[str]]:
    installed: dict[str, list[str]] = {service: [] for service in _CLIENTS}
    for model in _resources():
        meta = meta_of(model)
        client_class = _CLIENTS[meta.service]
        for name, function in _make_functions(meta, client_class.example_name).items():
            if name in client_class.__dict__:
                raise TypeError(f"{client_class.__name__}.{name} is generated twice")
            function.__qualname__ = f"{client_class.__name__}.{name}"
            function.__module__ = __name__
            setattr(client_class, name, function)
            installed[meta.service].append(name)
    return installed


_GENERATED = _install()


def generated_functions(service: str) -> list[str]:
    """The names of the functions generated for ``"auth"``, ``"core"`` or ``"storage"``.

    Example::

        "find_nodes" in generated_functions("core")     # True
    """
    return list(_GENERATED[service])
