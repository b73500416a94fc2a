"""The one generic CRUD mechanism of the local Hub, driven by the ``_schema`` table.

``list_resource``/``get_resource``/``create_resource``/``update_resource``/
``delete_resource``/``upsert_resource`` validate bodies (unknown and create-only keys are
dropped silently), check permissions, unique constraints and relations, run the
resource's hooks (``_effects``) and render rows with the generation's wire names and
envelopes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._effects import HOOKS, NO_HOOKS
from ._errors import HubError, conflict, not_found, validation_error
from ._generations import Generation, camel_to_snake
from ._query import (
    FieldSelection,
    ListQuery,
    apply_list_query,
    parse_list_query,
    parse_record_query,
    schema_meta,
)
from ._schema import Field, Resource, fill_defaults, resource
from ._state import RequestContext
from ._store import Row

__all__ = [
    "JsonResponse",
    "create_resource",
    "delete_resource",
    "find_row",
    "get_resource",
    "list_resource",
    "record_body",
    "render_row",
    "update_resource",
    "upsert_resource",
]

JsonResponse = tuple[int, Any]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_JSON_TYPES = {
    "string": "string",
    "uuid": "string",
    "email": "string",
    "datetime": "string",
    "bool": "boolean",
    "int": "number",
    "json": "object",
}


# --------------------------------------------------------------------------- rendering


def _view_names(
    res: Resource, generation: Generation, view_name: str, version: tuple[int, int, int]
) -> list[str]:
    fields = res.fields_for(generation, version)
    view = res.view(generation, view_name, version)
    if view.base == "all":
        names = {f.name for f in fields}
    else:
        names = {f.name for f in fields if not f.hidden and not f.internal}
    names |= set(view.add)
    names -= set(view.remove)
    return [f.name for f in fields if f.name in names]


def render_row(
    ctx: RequestContext,
    res: Resource,
    row: Row,
    view_name: str,
    *,
    selection: FieldSelection | None = None,
    includes: Sequence[str] = (),
    relation_fields: Mapping[str, FieldSelection] | None = None,
    shown_hidden: Sequence[str] = (),
    given: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``row`` as the wire shows it in ``view_name`` (list/get/create/update/delete).

    ``given`` (create answers) are the fields the request body carried.
    """
    generation = ctx.generation
    fields = {f.name: f for f in res.fields_for(generation, ctx.profile.version)}
    names = _view_names(res, generation, view_name, ctx.profile.version)
    if selection is not None:
        selectable = [f.name for f in fields.values() if not f.internal]
        names = selection.resolve(names, selectable)
    view_expand = list(res.view(generation, view_name, ctx.profile.version).expand)
    if given is not None:  # a create answer embeds the relations its body referenced
        view_expand = [
            name for name in view_expand if (rel := res.relation(name)) and rel.fk in given
        ]
    expand = list(dict.fromkeys([*view_expand, *includes]))
    embedded: dict[str, Any] = {}
    for rel_name in expand:
        relation = res.relation(rel_name)
        if relation is None:
            continue
        related_row = None
        if relation.target is not None:
            related_row = ctx.store.get(relation.target, row.get(relation.fk))
        embedded[rel_name] = (
            None
            if related_row is None or relation.target is None
            else render_row(
                ctx,
                resource(relation.target),
                related_row,
                "list",
                selection=(relation_fields or {}).get(rel_name),
            )
        )
    out: dict[str, Any] = {}
    anchored: set[str] = set()
    for name in names:
        field_ = fields[name]
        value = row.get(name)
        if field_.secret or (field_.hidden and view_name == "update" and name not in shown_hidden):
            value = None
        out[field_.wire(generation)] = value
        for rel_name, rendered in embedded.items():
            relation = res.relation(rel_name)
            if relation is not None and relation.fk == name:
                out[_relation_wire(res, rel_name, generation)] = rendered
                anchored.add(rel_name)
    for rel_name, rendered in embedded.items():
        if rel_name not in anchored:
            out[_relation_wire(res, rel_name, generation)] = rendered
    return out


def _relation_wire(res: Resource, name: str, generation: Generation) -> str:
    if generation is not Generation.LEGACY:
        return name
    relation = res.relation(name)
    return (relation.legacy_name if relation else None) or camel_to_snake(name)


def record_body(
    ctx: RequestContext, data: Any, *, res: Resource | None = None, with_schema: bool = False
) -> Any:
    """A single record: bare before Hub 0.13, ``{data, meta}`` from 0.13 on."""
    if not ctx.profile.envelopes:
        return data
    meta: dict[str, Any] = {}
    if with_schema and res is not None:
        meta["schema"] = schema_meta(res, ctx.generation, record=True, version=ctx.profile.version)
    return {"data": data, "meta": meta}


def list_meta(ctx: RequestContext, res: Resource, query: ListQuery, total: int) -> dict[str, Any]:
    """``meta`` of a collection answer."""
    if ctx.legacy and not query.paged and res.legacy_unpaged(total):
        return {"total": total}
    meta: dict[str, Any] = {"total": total, "limit": query.limit, "offset": query.offset}
    if ctx.profile.envelopes:
        meta["schema"] = schema_meta(res, ctx.generation, record=False, version=ctx.profile.version)
    return meta


# --------------------------------------------------------------------------- validation


def _issue(path: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    issue: dict[str, Any] = {"type": "item", "path": [path], "message": message, "code": code}
    issue.update(extra)
    return issue


def _received_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


def _check_value(field_: Field, wire: str, value: Any, optional: bool) -> dict[str, Any] | None:
    """The first issue of ``value`` for ``field_``, or ``None``."""
    extra: dict[str, Any] = {"meta": {"optional": True}} if optional else {}
    expected = _JSON_TYPES.get(field_.type, "string")
    if value is None:
        if field_.nullable:
            return None
        return _issue(
            wire,
            "invalid_type",
            f"Invalid input: expected {expected}, received null",
            expected=expected,
            **extra,
        )
    if field_.type in ("string", "uuid", "email", "datetime") and not isinstance(value, str):
        return _issue(
            wire,
            "invalid_type",
            f"Invalid input: expected string, received {_received_type(value)}",
            expected="string",
            **extra,
        )
    if field_.type == "bool" and not isinstance(value, bool):
        return _issue(
            wire,
            "invalid_type",
            f"Invalid input: expected boolean, received {_received_type(value)}",
            expected="boolean",
            **extra,
        )
    if field_.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return _issue(
                wire,
                "invalid_type",
                f"Invalid input: expected number, received {_received_type(value)}",
                expected="number",
                **extra,
            )
        if field_.min_value is not None and value < field_.min_value:
            message = f"Too small: expected number to be >={field_.min_value}"
            return _issue(wire, "too_small", message, data={"min": field_.min_value}, **extra)
        if field_.max_value is not None and value > field_.max_value:
            message = f"Too big: expected number to be <={field_.max_value}"
            return _issue(wire, "too_big", message, data={"max": field_.max_value}, **extra)
        return None
    if field_.type == "json":
        return _check_command_arguments(wire, value, extra)
    if not isinstance(value, str):
        return None
    if field_.choices is not None and value not in field_.choices:
        options = "|".join(f'"{choice}"' for choice in field_.choices)
        return _issue(wire, "one_of_failed", f"Invalid option: expected one of {options}", **extra)
    if field_.min_len is not None and len(value) < field_.min_len:
        return _issue(
            wire,
            "min_length",
            f"Too small: expected string to have >={field_.min_len} characters",
            data={"min": field_.min_len},
            **extra,
        )
    if field_.max_len is not None and len(value) > field_.max_len:
        return _issue(
            wire,
            "max_length",
            f"Too big: expected string to have <={field_.max_len} characters",
            data={"max": field_.max_len},
            **extra,
        )
    if field_.type == "uuid" and not _UUID.match(value):
        return _issue(wire, "invalid_format", "Invalid UUID", **extra)
    if field_.type == "email" and not _EMAIL.match(value):
        return _issue(wire, "email", "Invalid email address", **extra)
    if field_.pattern is not None and not re.match(field_.pattern, value):
        message = f"Invalid string: must match pattern /{field_.pattern}/"
        return _issue(wire, "invalid_format", message, **extra)
    return None


def _check_command_arguments(wire: str, value: Any, extra: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(value, list):
        return _issue(
            wire,
            "invalid_type",
            f"Invalid input: expected array, received {_received_type(value)}",
            expected="array",
            **extra,
        )
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            return _issue(wire, "invalid_type", "Invalid input: expected object", **extra)
        if not 2 <= len(item["value"]) <= 512:
            return _issue(
                wire,
                "min_length",
                "Too small: expected string to have >=2 characters",
                data={"min": 2},
                **extra,
            )
        if item.get("position") not in (None, "before", "after"):
            return _issue(
                wire, "one_of_failed", 'Invalid option: expected one of "before"|"after"', **extra
            )
    return None


def validate_body(
    ctx: RequestContext, res: Resource, body: Mapping[str, Any], mode: str
) -> dict[str, Any]:
    """The accepted, transformed values of ``body`` (canonical names); 400 on issues."""
    values: dict[str, Any] = {}
    issues: list[dict[str, Any]] = []
    received: dict[str, Any] = {}
    for field_ in res.fields_for(ctx.generation, ctx.profile.version):
        accepted = field_.create if mode == "create" else ("opt" if field_.update else None)
        if accepted is None:
            continue
        wire = field_.wire(ctx.generation)
        if wire not in body:
            if accepted == "req":
                issues.append(
                    _issue(
                        wire,
                        "required",
                        "Invalid input: expected string, received undefined",
                        expected=_JSON_TYPES.get(field_.type, "string"),
                    )
                )
            continue
        value = body[wire]
        if isinstance(value, str) and field_.lower:
            value = value.strip().lower()
        issue = _check_value(field_, wire, value, optional=accepted == "opt")
        if issue is not None:
            issues.append(issue)
            if not field_.sensitive:
                received[wire] = body[wire]
            continue
        values[field_.name] = value
    if issues:
        raise validation_error(issues, res.service, received)
    return values


# --------------------------------------------------------------------------- integrity


def _check_relations(ctx: RequestContext, res: Resource, values: Mapping[str, Any]) -> None:
    for relation in res.relations:
        if relation.target is None or relation.fk not in values:
            continue
        value = values[relation.fk]
        if value is None or ctx.store.get(relation.target, value) is not None:
            continue
        field_ = next(f for f in res.fields_for(ctx.generation) if f.name == relation.fk)
        wire = field_.wire(ctx.generation)
        label = resource(relation.target).label
        message = f"The referenced {label} does not exist."
        raise HubError(
            400,
            "entity_relation_invalid",
            message,
            [_issue(wire, "entity_relation_invalid", message)],
            legacy_code="BAD_REQUEST",
        )


def _derive_realms(ctx: RequestContext, res: Resource, row: Row) -> None:
    """``<relation>RealmId`` columns copy the realm of the related row."""
    names = {f.name for f in res.fields_for(ctx.generation)}
    for relation in res.relations:
        realm_field = f"{relation.name}RealmId"
        if realm_field in names and relation.target is not None:
            related = ctx.store.get(relation.target, row.get(relation.fk))
            if related is not None:
                row[realm_field] = related.get("realmId")


def _check_unique(ctx: RequestContext, res: Resource, candidate: Row) -> None:
    for constraint in res.unique:
        values = tuple(candidate.get(name) for name in constraint.fields)
        if constraint.nulls_distinct and any(value is None for value in values):
            continue
        for other in ctx.store.table(res.key).values():
            if other.get("id") == candidate.get("id"):
                continue
            if tuple(other.get(name) for name in constraint.fields) == values:
                raise conflict(res.service, message=res.conflict_message, name=res.conflict_error)


def _check_realm_writable(ctx: RequestContext, res: Resource, row: Row, action: str) -> None:
    identity = ctx.identity
    if res.service == "auth" or identity is None or identity.in_master_realm:
        return
    realm_id = row.get("realmId")
    if realm_id is not None and realm_id != identity.realm_id:
        raise HubError(
            403, "permission_denied", f"You are not permitted to {action} this {res.label}."
        )


# --------------------------------------------------------------------------- operations


def find_row(ctx: RequestContext, res: Resource, key: str, *, by_name: bool = True) -> Row:
    """The row ``key`` (an id, or a name where the resource allows it); 404 otherwise."""
    with ctx.store.lock:
        row = ctx.store.get(res.key, key)
        if row is None and by_name and res.lookup_by_name:
            candidates = ctx.store.find(res.key, name=key)
            if ctx.identity is not None:
                own = [r for r in candidates if r.get("realmId") == ctx.identity.realm_id]
                candidates = own or candidates
            row = candidates[0] if candidates else None
    if row is None:
        raise not_found(res.label)
    return row


def _lookup(ctx: RequestContext) -> Any:
    return lambda key, row_id: ctx.store.get(key, row_id)


def list_resource(ctx: RequestContext, res: Resource) -> JsonResponse:
    """``GET /<collection>``."""
    if res.read_perms and not ctx.legacy:
        ctx.require(res.read_perms)
    rapiq2 = ctx.profile.service(ctx.service).like_syntax == "rapiq2"
    query = parse_list_query(ctx.args, res, ctx.generation, rapiq2=rapiq2)
    with ctx.store.lock:
        rows = ctx.store.rows(res.key)
        page, total = apply_list_query(
            rows,
            query,
            res,
            ctx.generation,
            _lookup(ctx),
        )
        data = [
            render_row(
                ctx,
                res,
                row,
                "list",
                selection=query.fields.get("$root"),
                includes=query.includes,
                relation_fields=query.fields,
            )
            for row in page
        ]
    return 200, {"data": data, "meta": list_meta(ctx, res, query, total)}


def get_resource(ctx: RequestContext, res: Resource, key: str) -> JsonResponse:
    """``GET /<collection>/:id``."""
    by_name = not (res.key == "buckets" and not ctx.legacy and ctx.args)
    query = parse_record_query(ctx.args, res, ctx.generation)
    with ctx.store.lock:
        row = find_row(ctx, res, key, by_name=by_name)
        data = render_row(
            ctx,
            res,
            row,
            "get",
            selection=query.fields.get("$root"),
            # Hub 0.12.2 answers a single record without its includes (recorded).
            includes=query.includes if ctx.profile.service(ctx.service).include_on_record else (),
            relation_fields=query.fields,
        )
    return 200, record_body(ctx, data, res=res, with_schema=True)


def create_resource(
    ctx: RequestContext, res: Resource, *, forced_id: str | None = None
) -> JsonResponse:
    """``POST /<collection>``."""
    ctx.require(res.perms.get("create", ()))
    values = validate_body(ctx, res, ctx.body(), "create")
    given = list(values)
    hooks = HOOKS.get(res.key, NO_HOOKS)
    with ctx.store.lock:
        if hooks.normalize is not None:
            hooks.normalize(ctx, values, "create")
        _check_relations(ctx, res, values)
        if forced_id is not None:
            values["id"] = forced_id
        if hooks.prepare_create is not None:
            existing = hooks.prepare_create(ctx, values)
            if existing is not None:
                return 201, record_body(ctx, render_row(ctx, res, existing, "create"))
        row = fill_defaults(res, ctx.generation, values)
        row.setdefault("id", ctx.store.new_id())
        _derive_realms(ctx, res, row)
        _check_unique(ctx, res, row)
        ctx.store.insert(res.key, row)
        if hooks.after_create is not None:
            hooks.after_create(ctx, row)
        data = render_row(ctx, res, row, "create", given=given)
    return 201, record_body(ctx, data)


def update_resource(ctx: RequestContext, res: Resource, key: str) -> JsonResponse:
    """``POST /<collection>/:id`` (partial update)."""
    ctx.require(res.perms.get("update", ()))
    values = validate_body(ctx, res, ctx.body(), "update")
    hooks = HOOKS.get(res.key, NO_HOOKS)
    with ctx.store.lock:
        row = find_row(ctx, res, key)
        _check_realm_writable(ctx, res, row, "update")
        if hooks.normalize is not None:
            hooks.normalize(ctx, values, "update")
        _check_relations(ctx, res, values)
        if hooks.prepare_update is not None:
            hooks.prepare_update(ctx, row, values)
        candidate = {**row, **values}
        _check_unique(ctx, res, candidate)
        row.update(values)
        _derive_realms(ctx, res, row)
        ctx.store.touch(row)
        if hooks.after_update is not None:
            hooks.after_update(ctx, row, values)
        data = render_row(ctx, res, row, "update", shown_hidden=list(values))
    return 202, record_body(ctx, data)


def upsert_resource(ctx: RequestContext, res: Resource, key: str) -> JsonResponse:
    """``PUT /<collection>/:id`` of authup: update when it exists, create otherwise."""
    try:
        find_row(ctx, res, key)
    except HubError:
        forced = key if _UUID.match(key) else None
        return create_resource(ctx, res, forced_id=forced)
    return update_resource(ctx, res, key)


def delete_resource(ctx: RequestContext, res: Resource, key: str) -> JsonResponse:
    """``DELETE /<collection>/:id``: answers the deleted entity."""
    ctx.require(res.perms.get("delete", ()))
    hooks = HOOKS.get(res.key, NO_HOOKS)
    with ctx.store.lock:
        row = find_row(ctx, res, key)
        _check_realm_writable(ctx, res, row, "delete")
        if hooks.before_delete is not None:
            hooks.before_delete(ctx, row)
        ctx.store.delete(res.key, row["id"])
        if hooks.after_delete is not None:
            hooks.after_delete(ctx, row)
        data = render_row(ctx, res, row, "delete")
    return 202, record_body(ctx, data)
