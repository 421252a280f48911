"""A mypy plugin: ``section.get("key")`` on a TypedDict must name one of its keys.

mypy checks ``section["key"]`` against the TypedDict but accepts any key in
``section.get("key")`` (a TypedDict may hold more keys than it declares) and
types the result ``object``. tfplotguard's rules read the report's sections
with ``.get`` (a section not measured is ``{}``), so without this plugin a
renamed key in :mod:`tfplotguard.check.summaries` would leave those reads
unchecked. With it, a string-literal key that the TypedDict does not declare is
a ``typeddict-item`` error, exactly as for ``section["key"]``; what ``.get``
returns is still mypy's own answer. Enabled by ``plugins`` in ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import TYPEDDICT_ITEM
from mypy.plugin import MethodContext, Plugin
from mypy.plugins.default import typed_dict_get_callback
from mypy.typeops import try_getting_str_literals
from mypy.types import Type, TypedDictType, get_proper_type

#: The method a TypedDict's ``.get`` resolves to (its fallback class inherits it from ``Mapping``).
_GET = "typing.Mapping.get"


def _checked_get(ctx: MethodContext) -> Type:
    """Report a literal key the TypedDict does not declare, then let mypy's own hook type the result."""
    typed = get_proper_type(ctx.type)
    if isinstance(typed, TypedDictType) and ctx.args and len(ctx.args[0]) == 1:
        keys = try_getting_str_literals(ctx.args[0][0], ctx.arg_types[0][0]) or []
        name = typed.fallback.type.name
        for key in keys:
            if key not in typed.items:
                ctx.api.fail(f'TypedDict "{name}" has no key "{key}"', ctx.context, code=TYPEDDICT_ITEM)
    return typed_dict_get_callback(ctx)


class CheckedGetPlugin(Plugin):
    """Hooks ``Mapping.get`` (custom plugins are asked before mypy's default one)."""

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        """:func:`_checked_get` for ``.get``; nothing else."""
        return _checked_get if fullname == _GET else None


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return CheckedGetPlugin
