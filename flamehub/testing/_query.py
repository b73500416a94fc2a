"""Query parameters of the Hub (rapiq): filter, sort, page, include, fields.

Two generations, two bracket dialects:

- current (rapiq 2): ``x~`` starts-with, ``~x`` ends-with, ``~x~`` contains; string
  comparisons are case-insensitive; plus the *expression dialect*
  (``filter=or(eq(name,'a'),...)``) which answers 400 ``keyNotAllowed`` for a disallowed key;
- legacy (rapiq 0.x): ``~x`` is a case-insensitive ``LIKE 'x%'`` in which ``%`` and ``_``
  are wildcards; plain equality is case-sensitive.

Keys outside a resource's allow-lists are dropped silently in the bracket dialect, exactly
like the real servers; ``page[limit]`` is clamped to :data:`MAX_PAGE_LIMIT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._errors import HubError, key_not_allowed, query_syntax_error
from ._generations import Generation, camel_to_snake
from ._schema import MAX_PAGE_LIMIT, Field, Resource, resource

__all__ = [
    "Condition",
    "FieldSelection",
    "FilterNode",
    "Group",
    "ListQuery",
    "apply_list_query",
    "parse_list_query",
    "parse_record_query",
    "schema_meta",
]

_FILTER_KEY = re.compile(r"^filter((?:\[[^\[\]]*\])+)$")
_FIELDS_KEY = re.compile(r"^fields\[([^\[\]]*)\]$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ROOT = "$root"
_FORBIDDEN_KEYS = ("__proto__", "constructor", "prototype")
_COMPARISONS = (("<=", "lte"), (">=", "gte"), ("<", "lt"), (">", "gt"))
_LEAF_FUNCTIONS = {"eq", "lt", "lte", "gt", "gte", "contains", "startsWith", "endsWith"}
_LIST_FUNCTIONS = {"in", "nin"}
_GROUP_FUNCTIONS = {"and", "or", "not"}

RowLookup = Callable[[str, str | None], dict[str, Any] | None]


@dataclass(frozen=True)
class Condition:
    """``field op value``; ``field`` is canonical and may be relation-qualified."""

    field: str
    op: str
    value: Any
    negate: bool = False


@dataclass(frozen=True)
class Group:
    """``and``/``or``/``not`` over child nodes."""

    op: Literal["and", "or", "not"]
    children: tuple[FilterNode, ...]


FilterNode = Condition | Group


@dataclass(frozen=True)
class FieldSelection:
    """``fields=a,b`` (explicit) or ``fields=+a,-b`` (adjust the default)."""

    explicit: tuple[str, ...] | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def resolve(self, default: Sequence[str], allowed: Sequence[str]) -> list[str]:
        """The selected canonical field names, in ``allowed`` order."""
        allowed_set = set(allowed)
        if self.explicit is not None:
            chosen = {name for name in self.explicit if name in allowed_set}
            if chosen:
                return [name for name in allowed if name in chosen]
        chosen = set(default) | {name for name in self.add if name in allowed_set}
        chosen -= set(self.remove)
        return [name for name in allowed if name in chosen]


@dataclass
class ListQuery:
    """A decoded query (canonical names, allow-lists already applied)."""

    filter: FilterNode | None = None
    sort: list[tuple[str, bool]] = field(default_factory=list)
    limit: int = MAX_PAGE_LIMIT
    offset: int = 0
    #: ``page[limit]`` or ``page[offset]`` was sent (0.8.13 pages some collections only then).
    paged: bool = False
    includes: list[str] = field(default_factory=list)
    fields: dict[str, FieldSelection] = field(default_factory=dict)


# --------------------------------------------------------------------------- key mapping


class _Vocabulary:
    """Wire <-> canonical names of one resource on one generation."""

    def __init__(self, res: Resource, generation: Generation) -> None:
        self.res = res
        self.generation = generation
        self.fields: dict[str, Field] = {f.name: f for f in res.fields_for(generation)}
        self.wire_to_field = {f.wire(generation): f.name for f in self.fields.values()}

    def _wire_name(self, canonical: str) -> str:
        field_ = self.fields.get(canonical)
        if field_ is not None:
            return field_.wire(self.generation)
        if self.generation is Generation.LEGACY:
            relation = self.res.relation(canonical)
            return (relation.legacy_name if relation else None) or camel_to_snake(canonical)
        return canonical

    def relation_for_wire(self, wire: str) -> str | None:
        for name in self.res.includes:
            if self._wire_name(name) == wire:
                return name
        return None

    def _resolve(self, wire_key: str, allowed: Iterable[str], kind: str) -> str | None:
        """Canonical name of an allowed (possibly relation-qualified) key, else None."""
        allowed_set = set(allowed)
        if "." in wire_key:
            rel_wire, _, sub_wire = wire_key.partition(".")
            rel_name = self.relation_for_wire(rel_wire)
            if rel_name is None:
                return None
            relation = self.res.relation(rel_name)
            if relation is None or relation.target is None:
                return None
            sub_vocab = _Vocabulary(resource(relation.target), self.generation)
            sub_allowed = (
                sub_vocab.res.allowed_filters(self.generation)
                if kind == "filter"
                else sub_vocab.res.allowed_sorts(self.generation)
            )
            sub_name = sub_vocab._resolve(sub_wire, sub_allowed, kind)
            if sub_name is None:
                return None
            qualified = f"{rel_name}.{sub_name}"
            if kind == "sort" and qualified in allowed_set:
                return qualified
            return qualified if kind == "filter" else None
        canonical = self.wire_to_field.get(wire_key)
        if canonical is None or canonical not in allowed_set:
            return None
        return canonical

    def filter_key(self, wire_key: str) -> str | None:
        return self._resolve(wire_key, self.res.allowed_filters(self.generation), "filter")

    def sort_key(self, wire_key: str) -> str | None:
        return self._resolve(wire_key, self.res.allowed_sorts(self.generation), "sort")


# --------------------------------------------------------------------------- parsing


def _coerce(raw: str) -> Any:
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw == "null":
        return None
    if _NUMBER.match(raw):
        return float(raw) if "." in raw else int(raw)
    return raw


def _parse_current_value(key: str, raw: str) -> Condition | None:
    negate = raw.startswith("!")
    value = raw[1:] if negate else raw
    if value == "":
        return None
    if value == "null":
        return Condition(key, "eq", None, negate)
    if "," in value:
        return Condition(key, "in", [_coerce(item) for item in value.split(",")], negate)
    for prefix, op in _COMPARISONS:
        if value.startswith(prefix):
            rest = value[len(prefix) :]
            return Condition(key, op, _coerce(rest)) if rest else None
    if len(value) >= 2 and value.startswith("~") and value.endswith("~"):
        inner = value[1:-1]
        return Condition(key, "contains", inner, negate) if inner else None
    if value.startswith("~"):
        return Condition(key, "endsWith", value[1:], negate) if len(value) > 1 else None
    if value.endswith("~"):
        return Condition(key, "startsWith", value[:-1], negate) if len(value) > 1 else None
    return Condition(key, "eq", _coerce(value), negate)


def _parse_legacy_value(key: str, raw: str) -> Condition | None:
    negate = raw.startswith("!")
    value = raw[1:] if negate else raw
    if value == "":
        return None
    if value == "null":
        return Condition(key, "eq", None, negate)
    if "," in value:
        return Condition(key, "in", [_coerce(item) for item in value.split(",")], negate)
    if value.startswith("~"):
        return Condition(key, "like", value[1:] + "%", negate) if len(value) > 1 else None
    for prefix, op in _COMPARISONS:
        if value.startswith(prefix):
            rest = value[len(prefix) :]
            return Condition(key, op, _coerce(rest)) if rest else None
    return Condition(key, "eq", _coerce(value), negate)


def _split_csv(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_forbidden(key: str) -> None:
    if any(word in key for word in _FORBIDDEN_KEYS):
        raise query_syntax_error(f"The key {key} is not permitted.")


def _parse_fields(
    vocab: _Vocabulary, pairs: Sequence[tuple[str, str]], includes: Sequence[str]
) -> dict[str, FieldSelection]:
    raw: dict[str, list[str]] = {}
    for key, value in pairs:
        if key == "fields":
            raw.setdefault(_ROOT, []).append(value)
        else:
            match = _FIELDS_KEY.match(key)
            if match:
                raw.setdefault(match.group(1) or _ROOT, []).append(value)
    selections: dict[str, FieldSelection] = {}
    for target, values in raw.items():
        if target == _ROOT:
            target_vocab, name = vocab, _ROOT
        else:
            rel_name = vocab.relation_for_wire(target)
            relation = vocab.res.relation(rel_name) if rel_name else None
            if relation is None or relation.target is None or relation.name not in includes:
                continue
            target_vocab = _Vocabulary(resource(relation.target), vocab.generation)
            name = relation.name
        tokens = _split_csv(values)
        plain = [t for t in tokens if t[0] not in "+-"]
        add = [t[1:] for t in tokens if t.startswith("+")]
        remove = [t[1:] for t in tokens if t.startswith("-")]
        to_canonical = target_vocab.wire_to_field

        def canon(items: list[str], mapping: dict[str, str] = to_canonical) -> tuple[str, ...]:
            return tuple(mapping[item] for item in items if item in mapping)

        if plain and not add and not remove:
            selections[name] = FieldSelection(explicit=canon(plain))
        else:
            selections[name] = FieldSelection(add=canon(plain + add), remove=canon(remove))
    return selections


def _parse_includes(vocab: _Vocabulary, pairs: Sequence[tuple[str, str]]) -> list[str]:
    names: list[str] = []
    for wire in _split_csv(value for key, value in pairs if key == "include"):
        name = vocab.relation_for_wire(wire)
        if name is not None and name not in names:
            names.append(name)
    return names


def _parse_sort(
    vocab: _Vocabulary, pairs: Sequence[tuple[str, str]], res: Resource
) -> list[tuple[str, bool]]:
    tokens = _split_csv(value for key, value in pairs if key == "sort")
    sort: list[tuple[str, bool]] = []
    for token in tokens:
        descending = token.startswith("-")
        wire = token[1:] if descending else token.lstrip("+")
        name = vocab.sort_key(wire)
        if name is not None:
            sort.append((name, descending))
    indexed = res.meta.style == "authup" and vocab.generation is Generation.CURRENT
    if indexed and len(tokens) > 1:
        sort = []  # authup (indexed sorts): a multi-key sort matches no index -> dropped
    return sort or list(res.default_sort)


def _parse_page(pairs: Sequence[tuple[str, str]]) -> tuple[int, int, bool]:
    limit, offset, paged = MAX_PAGE_LIMIT, 0, False
    for key, value in pairs:
        try:
            number = int(value)
        except ValueError:
            continue
        if key == "page[limit]" and number > 0:
            limit, paged = min(number, MAX_PAGE_LIMIT), True
        elif key == "page[offset]" and number >= 0:
            offset, paged = number, True  # recorded on 0.8.13: an offset alone implies 50
    return limit, offset, paged


def parse_list_query(
    pairs: Sequence[tuple[str, str]],
    res: Resource,
    generation: Generation,
    *,
    rapiq2: bool | None = None,
) -> ListQuery:
    """Decode the query string pairs of a list request for ``res``.

    ``rapiq2``: the bracket values use rapiq 2 like syntax (``x~``, ``~x``, ``~x~``);
    by default the generation's (Hub 0.12.7 is legacy with rapiq 2, as recorded).
    """
    vocab = _Vocabulary(res, generation)
    for key, _ in pairs:
        _check_forbidden(key)
    codec = next((value for key, value in pairs if key == "codec"), None)
    if codec is not None and codec not in ("url-simple", "url-expression"):
        raise HubError(
            400, "bad_request", f"The codec {codec} is not supported.", legacy_code="BAD_REQUEST"
        )
    expression = next((value for key, value in pairs if key == "filter"), None)
    node: FilterNode | None
    if generation is Generation.CURRENT and expression and codec != "url-simple":
        node = _ExpressionParser(expression, vocab).parse()
    else:
        if rapiq2 is None:
            rapiq2 = generation is Generation.CURRENT
        node = _parse_bracket_filters(vocab, pairs, rapiq2=rapiq2)
    includes = _parse_includes(vocab, pairs)
    limit, offset, paged = _parse_page(pairs)
    return ListQuery(
        filter=node,
        sort=_parse_sort(vocab, pairs, res),
        limit=limit,
        offset=offset,
        paged=paged,
        includes=includes,
        fields=_parse_fields(vocab, pairs, includes),
    )


def parse_record_query(
    pairs: Sequence[tuple[str, str]], res: Resource, generation: Generation
) -> ListQuery:
    """Decode a single-record read: only ``fields`` and ``include`` count."""
    vocab = _Vocabulary(res, generation)
    includes = _parse_includes(vocab, pairs)
    return ListQuery(includes=includes, fields=_parse_fields(vocab, pairs, includes))


def _parse_bracket_filters(
    vocab: _Vocabulary, pairs: Sequence[tuple[str, str]], *, rapiq2: bool
) -> FilterNode | None:
    parse_value = _parse_current_value if rapiq2 else _parse_legacy_value
    conditions: list[FilterNode] = []
    for key, value in pairs:
        match = _FILTER_KEY.match(key)
        if not match:
            continue
        wire_key = ".".join(part.strip("[]") for part in re.findall(r"\[[^\]]*\]", match.group(1)))
        canonical = vocab.filter_key(wire_key)
        if canonical is None:
            continue  # the real server drops a disallowed key silently
        condition = parse_value(canonical, value)
        if condition is not None:
            conditions.append(condition)
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else Group("and", tuple(conditions))


# --------------------------------------------------------------------------- expression


@dataclass(frozen=True)
class _Token:
    kind: str  # FIELD STRING LPAREN RPAREN COMMA EOF
    text: str


_TOKEN_RE = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<comma>,)|(?P<str>'(?:[^']|'')*')|"
    r"(?P<field>[A-Za-z0-9_.\-$]+))"
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise query_syntax_error(f"Unexpected character {text[position]!r}")
        position = match.end()
        if match.group("lp"):
            tokens.append(_Token("LPAREN", "("))
        elif match.group("rp"):
            tokens.append(_Token("RPAREN", ")"))
        elif match.group("comma"):
            tokens.append(_Token("COMMA", ","))
        elif match.group("str") is not None:
            tokens.append(_Token("STRING", match.group("str")[1:-1].replace("''", "'")))
        else:
            tokens.append(_Token("FIELD", match.group("field")))
    tokens.append(_Token("EOF", ""))
    return tokens


class _ExpressionParser:
    """Recursive-descent parser of rapiq's expression dialect."""

    def __init__(self, text: str, vocab: _Vocabulary) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.vocab = vocab

    def parse(self) -> FilterNode:
        node = self._expression()
        self._expect("EOF", "filter expression")
        return node

    def _peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self.position += 1
        return token

    def _expect(self, kind: str, context: str) -> _Token:
        token = self._next()
        if token.kind != kind:
            raise query_syntax_error(f"Unexpected token in {context}: {token.kind}")
        return token

    def _expression(self) -> FilterNode:
        token = self._peek()
        name = token.text
        known = _GROUP_FUNCTIONS | _LEAF_FUNCTIONS | _LIST_FUNCTIONS
        if token.kind != "FIELD" or name not in known or self._peek(1).kind != "LPAREN":
            raise query_syntax_error(f"Unexpected token in filter expression: {token.kind}")
        self.position += 2
        if name in _GROUP_FUNCTIONS:
            children = [self._expression()]
            while self._peek().kind == "COMMA":
                self.position += 1
                children.append(self._expression())
            self._expect("RPAREN", "filter expression")
            if name == "not" and len(children) != 1:
                children = [Group("and", tuple(children))]
            return Group(name, tuple(children))  # type: ignore[arg-type]
        key = self._key()
        self._expect("COMMA", "filter expression")
        values = [self._value()]
        while name in _LIST_FUNCTIONS and self._peek().kind == "COMMA":
            self.position += 1
            values.append(self._value())
        self._expect("RPAREN", "filter expression")
        if name in _LIST_FUNCTIONS:
            return Condition(key, "in", values, negate=name == "nin")
        return Condition(key, name, values[0])

    def _key(self) -> str:
        token = self._expect("FIELD", "field")
        canonical = self.vocab.filter_key(token.text)
        if canonical is None:
            raise key_not_allowed(token.text)
        return canonical

    def _value(self) -> Any:
        token = self._next()
        if token.kind == "STRING":
            return _coerce(token.text)
        if token.kind == "FIELD" and (
            token.text in ("true", "false", "null") or _NUMBER.match(token.text)
        ):
            return _coerce(token.text)
        raise query_syntax_error(f"Unexpected token in value: {token.kind}")


# --------------------------------------------------------------------------- evaluation


class _Matcher:
    def __init__(self, vocab: _Vocabulary, lookup: RowLookup) -> None:
        self.vocab = vocab
        self.lookup = lookup
        self.legacy = vocab.generation is Generation.LEGACY

    def value_of(self, row: dict[str, Any], name: str) -> Any:
        if "." in name:
            rel_name, _, sub = name.partition(".")
            relation = self.vocab.res.relation(rel_name)
            if relation is None or relation.target is None:
                return None
            related = self.lookup(relation.target, row.get(relation.fk))
            return None if related is None else related.get(sub)
        return row.get(name)

    def fold(self, value: Any, *, case_sensitive: bool) -> Any:
        if isinstance(value, str) and not case_sensitive:
            return value.lower()
        return value

    def equal(self, stored: Any, wanted: Any, *, case_sensitive: bool) -> bool:
        if wanted is None:
            return stored is None
        if stored is None:
            return False
        if isinstance(stored, bool):
            stored = int(stored)
        if isinstance(wanted, bool):
            wanted = int(wanted)
        if isinstance(stored, str) and not isinstance(wanted, str):
            wanted = str(wanted)
        if isinstance(stored, (int, float)) and isinstance(wanted, str):
            try:
                wanted = float(wanted)
            except ValueError:
                return False
        return bool(
            self.fold(stored, case_sensitive=case_sensitive)
            == self.fold(wanted, case_sensitive=case_sensitive)
        )

    def compare(self, stored: Any, wanted: Any, op: str) -> bool:
        if stored is None or wanted is None:
            return False
        if isinstance(stored, bool):
            stored = int(stored)
        if isinstance(wanted, bool):
            wanted = int(wanted)
        if isinstance(stored, str) or isinstance(wanted, str):
            stored, wanted = str(stored), str(wanted)
        try:
            if op == "lt":
                return bool(stored < wanted)
            if op == "lte":
                return bool(stored <= wanted)
            if op == "gt":
                return bool(stored > wanted)
            return bool(stored >= wanted)
        except TypeError:
            return False

    def positive(self, row: dict[str, Any], cond: Condition) -> bool | None:
        """Whether ``cond`` (ignoring negation) holds; None stands for SQL NULL."""
        stored = self.value_of(row, cond.field)
        case_sensitive = self.legacy
        if cond.op == "eq":
            if cond.value is not None and stored is None:
                return None
            return self.equal(stored, cond.value, case_sensitive=case_sensitive)
        if cond.op == "in":
            if stored is None:
                return True if None in cond.value else None
            return any(
                self.equal(stored, item, case_sensitive=case_sensitive)
                for item in cond.value
                if item is not None
            )
        if cond.op in ("lt", "lte", "gt", "gte"):
            return None if stored is None else self.compare(stored, cond.value, cond.op)
        if stored is None:
            return None
        text = str(int(stored) if isinstance(stored, bool) else stored)
        if cond.op == "like":
            return _like(text, str(cond.value))
        wanted = str(cond.value)
        text, wanted = text.lower(), wanted.lower()
        if cond.op == "startsWith":
            return text.startswith(wanted)
        if cond.op == "endsWith":
            return text.endswith(wanted)
        if cond.op == "contains":
            return wanted in text
        return False

    def matches(self, row: dict[str, Any], node: FilterNode) -> bool:
        if isinstance(node, Group):
            if node.op == "and":
                return all(self.matches(row, child) for child in node.children)
            if node.op == "or":
                return any(self.matches(row, child) for child in node.children)
            return not self.matches(row, node.children[0])
        result = self.positive(row, node)
        if not node.negate:
            return bool(result)
        if result is None:
            # rapiq 2 negations are exact complements; SQL (legacy) drops NULL rows
            return not self.legacy
        return not result


def _like(text: str, pattern: str) -> bool:
    regex = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def apply_list_query(
    rows: Sequence[dict[str, Any]],
    query: ListQuery,
    res: Resource,
    generation: Generation,
    lookup: RowLookup,
) -> tuple[list[dict[str, Any]], int]:
    """Filter, sort and page ``rows``; return the page and the total match count.

    Only the legacy model answers some collections whole without page parameters (0.8.13);
    the current model (0.12.2, 0.12.7 and 0.14.0, recorded) pages every collection.
    """
    matcher = _Matcher(_Vocabulary(res, generation), lookup)
    selected = [row for row in rows if query.filter is None or matcher.matches(row, query.filter)]
    if not query.sort and generation is Generation.CURRENT:
        # sqlite without ORDER BY walks the uuid primary key index, as recorded
        selected.sort(key=lambda row: str(row.get("id")))
    for name, descending in reversed(query.sort):

        def key(row: dict[str, Any], field_name: str = name) -> tuple[int, Any]:
            return _sort_key(matcher.value_of(row, field_name))

        selected.sort(key=key, reverse=descending)
    total = len(selected)
    if generation is Generation.LEGACY and not query.paged and res.legacy_unpaged(total):
        return selected, total  # recorded on 0.8.13: no page parameter, every row
    return selected[query.offset : query.offset + query.limit], total


# --------------------------------------------------------------------------- meta.schema


def schema_meta(
    res: Resource,
    generation: Generation,
    *,
    record: bool,
    version: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """``meta.schema`` of ``res`` (current Hubs), for a list or a single record."""
    vocab = _Vocabulary(res, generation)
    fields = [f for f in vocab.fields.values() if not f.internal and f.in_release(version)]
    defaults = [f.name for f in fields if not f.hidden]
    extras = [f.name for f in fields if f.hidden]
    authup = res.meta.style == "authup"
    if not res.ops:
        fields_meta: dict[str, Any] = {"default": None, "allowed": None}
    else:
        allowed: list[str] | None = {
            "none": None,
            "all": defaults + extras,
            "extras": extras,
        }[res.meta.fields_allowed]
        fields_meta = {
            "default": None if res.meta.fields_default_none else defaults,
            "allowed": allowed,
        }
    relations: list[str] | None = list(res.includes) or ([] if authup else None)
    schemas = (
        {
            rel.name: (resource(rel.target).schema_name if rel.target else "policy")
            for rel in res.relations
            if rel.name in res.includes
        }
        if relations is not None
        else None
    )
    filters = list(res.allowed_filters(generation))
    sorts = [key for key in res.allowed_sorts(generation) if "." not in key]
    indexes = [[key] for key in dict.fromkeys(["id", *filters, "createdAt", "updatedAt"])]
    meta: dict[str, Any] = {
        "name": res.schema_name,
        "strict": not authup,
        "indexes": indexes if authup else None,
        "fields": fields_meta,
    }
    if not record:
        meta["filters"] = {
            "allowed": filters,
            "caseSensitive": None,
            "indexed": "anchor" if authup else False,
        }
        meta["pagination"] = {"maxLimit": MAX_PAGE_LIMIT}
    meta["relations"] = {"allowed": relations, "schemas": schemas}
    if not record:
        meta["sorts"] = {
            "allowed": sorts or None,
            "default": {name: "DESC" if desc else "ASC" for name, desc in res.default_sort} or None,
            "indexed": authup,
        }
    return meta
