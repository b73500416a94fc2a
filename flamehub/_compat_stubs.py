"""Write ``flamehub/compat.pyi``: the facade's clients as type checkers and IDEs see them.

Most methods of :mod:`flamehub.compat`'s clients are generated at import time from the
resource declarations, so a type checker reading ``compat.py`` cannot see them. This
module renders a stub of the whole public surface of ``compat.py`` from the same
declarations: the hand-written classes and functions from their annotations, the
generated ``get_``/``find_``/``create_``/``update_``/``delete_`` functions from the
functions :func:`flamehub.compat._make_functions` builds (their parameters exactly as
the runtime declares them, their types from the resource they serve).

Regenerate after changing a resource or the facade::

    python -m flamehub._compat_stubs > flamehub/compat.pyi

``tests/compat/test_stubs.py`` fails when the checked-in stub differs from the output.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

import attrs

#: The facade module at run time (for type checkers ``flamehub.compat`` is the stub, which
#: declares none of the private helpers read here).
compat: types.ModuleType = importlib.import_module("flamehub.compat")

__all__ = ["COMMAND", "generated_kinds", "main", "render"]

#: The command that regenerates the checked-in stub.
COMMAND = "python -m flamehub._compat_stubs > flamehub/compat.pyi"

_LINE_LENGTH = 100
_INDENT = "    "

#: Dunder methods of the hand-written classes that type checkers need to see.
_DUNDERS = ("__init__", "__enter__", "__exit__", "__getattr__")

#: The parameter types of the generated functions (the runtime annotates most as ``Any``).
_FIND_TYPES = {
    "filter": "Mapping[str, Any] | None",
    "page": "PageParams | None",
    "sort": "SortParams | None",
    "fields": "FieldParams | None",
}

#: Where the names the stub uses beyond compat.py's own annotations come from.
_EXTRA_IMPORTS = {
    "Literal": "typing",
    "overload": "typing",
    "Self": "typing_extensions",
    "UUID": "uuid",
    "FieldParams": "flamehub.types",
    "PageParams": "flamehub.types",
    "SortParams": "flamehub.types",
}


class _Imports:
    """The ``from module import name`` lines the stub needs, resolved against compat.py."""

    def __init__(self, defined: Iterable[str]) -> None:
        self.defined = frozenset(defined)  # names the stub itself declares
        self.names: dict[str, str] = {}  # name -> module
        self.modules: set[str] = set()

    def use(self, annotation: str) -> str:
        """Record every name ``annotation`` (a type expression) refers to; return it."""
        for node in ast.walk(ast.parse(annotation, mode="eval")):
            if isinstance(node, ast.Name):
                self._resolve(node.id)
        return annotation

    def _resolve(self, name: str) -> None:
        if name in self.defined or hasattr(builtins, name) or name in self.names:
            return
        if name in _EXTRA_IMPORTS:
            self.names[name] = _EXTRA_IMPORTS[name]
            return
        value = vars(compat)[name]
        if isinstance(value, types.ModuleType):
            self.modules.add(value.__name__)
            return
        module = getattr(value, "__module__", None)
        if not module or getattr(sys.modules[module], name, None) is not value:
            raise TypeError(f"cannot tell where {name!r} of flamehub.compat comes from")
        self.names[name] = module

    def lines(self) -> list[str]:
        """Sorted as ruff's isort sorts them: stdlib, third party, flamehub."""

        def section(module: str) -> int:
            top = module.split(".")[0]
            if top == "flamehub":
                return 2
            return 0 if top in sys.stdlib_module_names else 1

        by_module: dict[str, list[str]] = {}
        for name, module in self.names.items():
            by_module.setdefault(module, []).append(name)
        blocks: list[list[str]] = [[], [], []]
        for module in sorted(self.modules):
            blocks[section(module)].append(f"import {module}")
        for module in sorted(by_module):
            names = sorted(by_module[module], key=_isort_key)
            blocks[section(module)].append(_wrap_import(module, names))
        out: list[str] = []
        for block in blocks:
            if block:
                out += [*block, ""]
        return out


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's isort: CONSTANTS, then Classes, then functions (order-by-type)
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1 if name[:1].isupper() else 2), name


def _wrap_import(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= _LINE_LENGTH:
        return line
    body = "".join(f"{_INDENT}{name},\n" for name in names)
    return f"from {module} import (\n{body})"


def _top_level_names() -> list[str]:
    """The public names compat.py defines (not imports), in source order."""
    tree = ast.parse(inspect.getsource(compat))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in names if not name.startswith("_") or name in _STUB_PRIVATE]


#: Private classes the stub declares because public ones derive from them.
_STUB_PRIVATE = ("_HubServiceClient",)


def _default(value: Any) -> str:
    """A default as the stub shows it: simple values as they are, others as ``...``."""
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str) and value.isprintable() and not set(value) & {'"', "\\"}:
        return f'"{value}"'
    return "..."


def _param(parameter: inspect.Parameter, annotation: str | None, imports: _Imports) -> str:
    prefix = ""
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        prefix = "*"
    elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
        prefix = "**"
    text = prefix + parameter.name
    if annotation is not None:
        text += ": " + imports.use(annotation)
    if parameter.default is not inspect.Parameter.empty:
        text += (" = " if annotation is not None else "=") + _default(parameter.default)
    return text


def _params(
    signature: inspect.Signature,
    annotations: dict[str, str | None],
    imports: _Imports,
) -> list[str]:
    """The parameter list with ``/`` and ``*`` markers where the kinds change."""
    out: list[str] = []
    kinds = [p.kind for p in signature.parameters.values()]
    for index, parameter in enumerate(signature.parameters.values()):
        kind = parameter.kind
        starts_keywords = kind is inspect.Parameter.KEYWORD_ONLY and (
            index == 0 or kinds[index - 1] is not inspect.Parameter.KEYWORD_ONLY
        )
        if starts_keywords and inspect.Parameter.VAR_POSITIONAL not in kinds:
            out.append("*")
        out.append(_param(parameter, annotations.get(parameter.name), imports))
        if kind is inspect.Parameter.POSITIONAL_ONLY and (
            index + 1 == len(kinds) or kinds[index + 1] is not inspect.Parameter.POSITIONAL_ONLY
        ):
            out.append("/")
    return out


def _def(
    name: str,
    params: list[str],
    returns: str,
    indent: str,
    doc: str | None,
    overload: bool = False,
) -> str:
    """A ``def`` with its docstring (or ``...``), wrapped the way ``ruff format`` wraps it."""
    head = f"{indent}@overload\n" if overload else ""
    docstring = _docstring(doc, indent + _INDENT)
    end = f":\n{docstring}" if docstring else ": ..."
    one_line = f"{indent}def {name}({', '.join(params)}) -> {returns}{end}"
    if len(one_line.split("\n")[0]) <= _LINE_LENGTH:
        return head + one_line
    inner = indent + _INDENT
    packed = f"{inner}{', '.join(params)}"
    if len(packed) <= _LINE_LENGTH:
        return f"{head}{indent}def {name}(\n{packed}\n{indent}) -> {returns}{end}"
    body = "".join(f"{inner}{p},\n" for p in params)
    return f"{head}{indent}def {name}(\n{body}{indent}) -> {returns}{end}"


def _docstring(doc: str | None, indent: str) -> str | None:
    """``doc`` as a docstring at ``indent``: text paragraphs wrapped to the line length,
    example blocks kept if their lines fit (dropped otherwise), so IDEs can show the
    documentation of the generated functions, which have no source to read it from."""
    if not doc:
        return None
    if "\\" in doc or '"""' in doc or doc.rstrip().endswith('"'):
        raise ValueError(f"docstring cannot be written as is: {doc[:60]!r}")
    width = _LINE_LENGTH - len(indent)
    paragraphs: list[list[str]] = [p.splitlines() for p in inspect.cleandoc(doc).split("\n\n")]
    kept: list[list[str]] = []
    for paragraph in paragraphs:
        first = not kept  # the opening quotes share its first line
        is_code = all(line.startswith(_INDENT) or not line for line in paragraph)
        if is_code and kept and kept[-1][-1].endswith("::"):
            if any(len(line) > width for line in paragraph):
                if kept[-1] == ["Example::"]:
                    kept.pop()  # an example too wide for the stub: the source shows it
                else:
                    kept[-1][-1] = kept[-1][-1][:-1]  # "...::" without its block
                continue
            kept.append(paragraph)
        elif any(len(line) > width for line in paragraph) or (
            first and len(paragraph[0]) + 3 > width
        ):
            text = " ".join(line.strip() for line in paragraph)
            quotes = '"""' if first else ""
            wrapped = textwrap.wrap(
                quotes + text, width, break_long_words=False, break_on_hyphens=False
            )
            kept.append([wrapped[0][len(quotes) :], *wrapped[1:]])
        else:
            kept.append(paragraph)
    lines = "\n\n".join("\n".join(p) for p in kept).splitlines()
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= _LINE_LENGTH:
        return f'{indent}"""{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return f'{indent}"""{body[len(indent) :]}\n{indent}"""'


def _annotations_of(function: Callable[..., Any]) -> dict[str, str | None]:
    signature = inspect.signature(function)
    out: dict[str, str | None] = {}
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        out[parameter.name] = None if annotation is inspect.Parameter.empty else str(annotation)
    return out


def _returns_of(function: Callable[..., Any]) -> str:
    annotation = inspect.signature(function).return_annotation
    if annotation is inspect.Signature.empty:
        raise TypeError(f"{function.__qualname__} has no return annotation")
    return str(annotation)


def _render_function(
    name: str, function: Callable[..., Any], indent: str, imports: _Imports, owner: type | None
) -> str:
    annotations = _annotations_of(function)
    returns = _returns_of(function)
    if owner is not None:
        first = next(iter(inspect.signature(function).parameters))
        annotations[first] = None  # self
        if name == "__enter__" and returns == owner.__name__:
            returns = "Self"  # the runtime returns self: a subclass stays a subclass
    params = _params(inspect.signature(function), annotations, imports)
    return _def(name, params, imports.use(returns), indent, function.__doc__)


# -- the generated functions ----------------------------------------------------------------

#: The functions ``_make_functions`` defines, by their ``def`` names.
_KINDS = ("get_all", "find", "get_one", "create", "update", "delete")


def generated_kinds(service: str) -> dict[str, tuple[str, type]]:
    """``{function name: (kind, model)}`` of the functions generated for ``service``.

    ``kind`` is the name of the function :func:`flamehub.compat._make_functions` defines
    (``get_all``, ``find``, ``get_one``, ``create``, ``update``, ``delete``).

    Example::

        generated_kinds("core")["find_nodes"]     # ('find', <class 'flamehub...Node'>)
    """
    client = compat._CLIENTS[service]
    out: dict[str, tuple[str, type]] = {}
    for model in compat._resources():
        meta = compat.meta_of(model)
        if meta.service != service:
            continue
        for name, function in compat._make_functions(meta, client.example_name).items():
            kind = function.__code__.co_name
            if kind not in _KINDS:
                raise TypeError(f"{name}: no stub rendering for generated function {kind!r}")
            out[name] = (kind, model)
    if list(out) != compat.generated_functions(service):
        raise TypeError(f"the generated functions of {service!r} changed while rendering")
    return out


def _render_generated(name: str, kind: str, model: type, owner: type, imports: _Imports) -> str:
    function = getattr(owner, name)
    signature = inspect.signature(function)
    model_name = model.__name__
    imports.names.setdefault(model_name, model.__module__)
    rows = f"list[{model_name}]"
    with_meta = f"tuple[{rows}, ResourceListMeta]"
    annotations: dict[str, str | None] = {"self": None, **_FIND_TYPES}
    annotations["obj_or_id"] = f"{model_name} | UUID | str"
    annotations["changes"] = "UpdateModel | None"
    annotations["values"] = "Any"
    for parameter in signature.parameters.values():
        if kind == "create" and parameter.name not in ("self", "values"):
            annotations[parameter.name] = "Any"  # a value, a resource object or an id
    indent = _INDENT
    if kind in ("get_all", "find"):
        imports.use("overload")
        meta = signature.parameters["meta"]
        overloads = []
        for meta_type, default, returns in (
            ("Literal[False]", True, rows),
            ("Literal[True]", False, with_meta),
            ("bool", False, f"{rows} | {with_meta}"),
        ):
            annotations["meta"] = meta_type
            changed = meta.replace(default=meta.default if default else inspect.Parameter.empty)
            variant = signature.replace(
                parameters=[
                    changed if p.name == "meta" else p for p in signature.parameters.values()
                ]
            )
            params = _params(variant, annotations, imports)
            returns = imports.use(returns)
            overloads.append(_def(name, params, returns, indent, function.__doc__, overload=True))
        return "\n".join(overloads)
    returns = {
        "get_one": f"{model_name} | None",
        "create": model_name,
        "update": model_name,
        "delete": "None",
    }[kind]
    params = _params(signature, annotations, imports)
    return _def(name, params, imports.use(returns), indent, function.__doc__)


# -- classes and the module -----------------------------------------------------------------


def _is_frozen_attrs(cls: type) -> bool:
    probe: Any = object.__new__(cls)
    try:
        setattr(probe, attrs.fields(cls)[0].name, None)
    except attrs.exceptions.FrozenInstanceError:
        return True
    return False


def _render_class(cls: type, imports: _Imports) -> str:
    lines: list[str] = []
    is_attrs = attrs.has(cls)
    if is_attrs:
        imports.modules.add("attrs")
        lines.append("@attrs.frozen" if _is_frozen_attrs(cls) else "@attrs.define")
    bases = [base.__name__ for base in cls.__bases__ if base is not object]
    for base in bases:
        imports.use(base)
    declared = f"class {cls.__name__}({', '.join(bases)}):" if bases else f"class {cls.__name__}:"
    lines.append(declared)
    docstring = _docstring(cls.__doc__, _INDENT)
    if docstring:
        lines += [docstring, ""]  # ruff format: a blank line after a class docstring
    body: list[str] = []
    own = inspect.get_annotations(cls)
    for name, annotation in own.items():
        body.append(f"{_INDENT}{name}: {imports.use(annotation)}")
    generated: dict[str, tuple[str, type]] = {}
    service = cls.__dict__.get("service")
    if service is not None:
        generated = generated_kinds(service)
    for name, value in cls.__dict__.items():
        if name in generated:
            continue
        public = not name.startswith("_") or (name in _DUNDERS and not is_attrs)
        if not public:
            continue
        if isinstance(value, types.FunctionType):
            body.append(_render_function(name, value, _INDENT, imports, cls))
        elif any(name in inspect.get_annotations(base) for base in cls.__mro__):
            continue  # a value of an annotated attribute (declared above or in a base)
        else:
            raise TypeError(f"{cls.__name__}.{name}: no stub rendering for {value!r}")
    for name, (kind, model) in generated.items():
        body.append(_render_generated(name, kind, model, cls, imports))
    if not body:
        body.append(f"{_INDENT}...")
    return "\n".join(lines + body)


def _render_value(name: str, value: Any, imports: _Imports) -> str:
    if isinstance(value, typing.TypeVar):
        imports.names["TypeVar"] = "typing"
        bound = value.__bound__
        if bound is None:
            return f'{name} = TypeVar("{name}")'
        imports.use(bound.__name__)
        return f'{name} = TypeVar("{name}", bound={bound.__name__})'
    if isinstance(value, (bool, int, float, str)):
        return f"{name}: {type(value).__name__}"
    raise TypeError(f"no stub rendering for flamehub.compat.{name} = {value!r}")


def render() -> str:
    """The text of ``flamehub/compat.pyi``.

    Example::

        from flamehub._compat_stubs import render
        assert "def find_nodes(" in render()
    """
    names = _top_level_names()
    imports = _Imports(names)
    blocks: list[str] = []
    for name in names:
        value = vars(compat)[name]
        if isinstance(value, type):
            blocks.append(_render_class(value, imports))
        elif isinstance(value, types.FunctionType):
            blocks.append(_render_function(name, value, "", imports, None))
        else:
            blocks.append(_render_value(name, value, imports))
    exported = ", ".join(f'"{name}"' for name in compat.__all__)
    header = [
        f"# Generated by `{COMMAND}`: do not edit.",
        "# The type checkers' view of flamehub.compat, whose client methods are made at",
        "# import time from the resource declarations.",
        "",
        *imports.lines(),
        _wrap_all(exported),
        "",
    ]
    out = "\n".join(header)
    previous_is_def = False
    for block in blocks:
        is_def = not block.startswith(("class ", "@")) and "\n" not in block
        # ruff format (stub style): one blank line around classes, none between simple lines
        out += ("" if previous_is_def and is_def else "\n") + block + "\n"
        previous_is_def = is_def
    return out


def _wrap_all(exported: str) -> str:
    line = f"__all__ = [{exported}]"
    if len(line) <= _LINE_LENGTH:
        return line
    body = "".join(f"{_INDENT}{item.strip()},\n" for item in exported.split(","))
    return f"__all__ = [\n{body}]"


def main() -> int:
    """Print the stub (``python -m flamehub._compat_stubs > flamehub/compat.pyi``)."""
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
