"""One error tree: every exception newstrail defines is a NewstrailError, drawn in errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import newstrail
from newstrail import errors

# Importing these runs code: the Alembic environment and ``python -m newstrail``.
NOT_IMPORTED = ("newstrail.store.migrations", "newstrail.__main__")


def defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined in a newstrail module, by name."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(newstrail.__path__, "newstrail."):
        if module_info.name.startswith(NOT_IMPORTED):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[name] = value
    return found


def drawn_tree() -> dict[str, tuple[str | None, bool]]:
    """The tree in errors.py's docstring: each class's drawn parent and its ``*`` mark."""
    assert errors.__doc__ is not None
    drawn: dict[str, tuple[str | None, bool]] = {}
    ancestors: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        match = re.match(r"^(\s{4}[ │├└─]*)([A-Z]\w+)(\*?)\s", line)
        if not match:
            continue
        depth, name = len(match.group(1)), match.group(2)
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        drawn[name] = (ancestors[-1][1] if ancestors else None, bool(match.group(3)))
        ancestors.append((depth, name))
    return drawn


def test_every_exception_is_a_newstrail_error_drawn_where_it_sits() -> None:
    exceptions = defined_exceptions()
    tree = drawn_tree()
    assert len(tree) >= 20 and "FetchError" in exceptions and "BadRecord" in exceptions
    for name, cls in exceptions.items():
        assert issubclass(cls, errors.NewstrailError), f"{name} is not a NewstrailError"
        assert name in tree, f"{name} is missing from the tree in errors.py"
        parent, also_value_error = tree[name]
        assert cls.__bases__[0].__name__ == (parent or "Exception"), f"{name} is drawn elsewhere"
        assert (ValueError in cls.__bases__) == also_value_error, f"{name}: * mark is wrong"
    assert set(tree) == set(exceptions), "the tree draws classes that do not exist"


def test_every_exception_has_a_one_line_docstring() -> None:
    for name, cls in defined_exceptions().items():
        doc = cls.__doc__ or ""
        assert doc and "\n" not in doc.strip(), f"{name} needs a one-line docstring"
