"""The Python a notebook's code cell runs, read with ``ast`` and never executed.

A cell is read as IPython reads it: prompts pasted from a console are stripped, magics and
shell escapes become calls of ``get_ipython()``. The code a magic runs is read too, at the
magic's line: the body of a cell magic (``%%time``) as the cell itself, the code of a line
magic (``%time x = ...``, also written out as ``get_ipython().run_line_magic("time", ...)``)
appended to the cell. Code too deeply nested for this interpreter to read, or magic code
longer than the cell itself, makes the cell unreadable.

The helpers below the reader describe the scopes of that code: which parts of a function,
class or comprehension run where it is defined and which run inside it, and which names a
scope binds itself.
"""
from __future__ import annotations

import ast
import re

from IPython.core.inputtransformer2 import (TransformerManager, classic_prompt,
                                            ipython_prompt, leading_indent)

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: Nodes with nothing in them to read: constants, contexts and operators.
LEAVES = frozenset({ast.Constant, *(kind for base in (ast.expr_context, ast.operator,
                                                      ast.unaryop, ast.cmpop, ast.boolop)
                                    for kind in base.__subclasses__())})
#: The magic-running methods of IPython's shell, and which argument is the code they run.
MAGICS = {"run_line_magic": 1, "run_cell_magic": 2}
_OPTIONS = re.compile(r"^\s*(?:-\S+\s+(?:\d\S*\s+)?)*")     # "-n 10 " before %timeit's code


def constant(node) -> bool:
    """Is ``node`` a constant string?"""
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def read(source: str):
    """``(tree or None, readable)``: the code of a cell with the code its magics run, or None
    if it does not parse (it fails in the kernel too); ``readable`` is False if some of it
    cannot be read (too deep, or too much magic code)."""
    try:
        tree = _parse(source)
        magics = "%" in source or "_magic" in source         # only then can there be any
        budget, work = len(source), [tree] if tree and magics else []
        while work:
            for node in ast.walk(work.pop()):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in MAGICS and len(node.args) > MAGICS[node.func.attr]
                        and all(map(constant, node.args))):
                    continue
                code = node.args[MAGICS[node.func.attr]].value
                budget -= len(code)
                if budget < 0:
                    return tree, False
                inner = _parse(code) or _parse(_OPTIONS.sub("", code, count=1))
                if inner:
                    for child in ast.walk(inner):
                        if hasattr(child, "lineno"):
                            child.lineno = child.end_lineno = node.lineno
                    tree.body.extend(inner.body)
                    work.append(inner)
        return tree, True
    except (RecursionError, MemoryError):
        return None, False


def _is_cell_magic(line: str) -> bool:
    return line.startswith("%%") and not re.match(r"%%\w+\?", line)


def _parse(source: str):
    """The tree of the Python a cell runs, with the cell's line numbers (a cell magic's body
    read as the cell), or None. Too deep a cell raises RecursionError or MemoryError."""
    lines = (source if source.endswith("\n") else source + "\n").splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and (lines[skip].isspace() or _is_cell_magic(lines[skip])):
        skip += 1
    rest = ipython_prompt(classic_prompt(leading_indent(lines[skip:])))
    attempts = [lambda: "\n" * skip + "".join(rest),       # plain Python needs no tokenizing
                lambda: "\n" * skip + "".join(TransformerManager().do_token_transforms(rest))]
    if any(_is_cell_magic(line) for line in lines[:skip]):  # a body that is not Python:
        attempts.append(lambda: TransformerManager().transform_cell(source))  # the magic call
    for attempt in attempts:
        try:
            return ast.parse(attempt())
        except RecursionError:
            raise
        except (SyntaxError, ValueError, RuntimeError):       # RuntimeError: IPython gave up
            continue
    return None


# -- scopes -----------------------------------------------------------------------------------

def outer(scope) -> list:
    """The parts of a nested scope evaluated where it is defined (defaults, decorators ...)."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        parts = [*a.defaults, *a.kw_defaults]
        if not isinstance(scope, ast.Lambda):
            every = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            parts += [*scope.decorator_list, scope.returns,
                      *(x.annotation for x in every if x is not None)]
        return [p for p in parts if p is not None]
    if isinstance(scope, ast.ClassDef):
        return [*scope.decorator_list, *scope.bases, *scope.keywords]
    return [scope.generators[0].iter]


def inner(scope) -> list:
    """The parts of a scope evaluated in it."""
    if isinstance(scope, (ast.Module, *DEFS)):
        return list(scope.body)
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    parts = [scope.key, scope.value] if isinstance(scope, ast.DictComp) else [scope.elt]
    for k, g in enumerate(scope.generators):
        parts += [g.target, *g.ifs] + ([g.iter] if k else [])
    return parts


def own_nodes(scope) -> list:
    """The nodes that belong to ``scope`` itself: nested scopes appear, their insides do not."""
    out, stack = [], inner(scope)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(outer(node) if isinstance(node, SCOPES) else ast.iter_child_nodes(node))
    return out


def parameters(scope) -> set:
    """The parameter names of a function or lambda (none for other scopes)."""
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return set()
    a = scope.args
    return {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}


def statements(tree) -> list:
    """A module's top-level statements, also those inside if, for, while, with, try, match."""
    out, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, DEFS):
            stack += [*getattr(node, "body", ()), *getattr(node, "orelse", ()),
                      *getattr(node, "finalbody", ())]
            stack += [s for part in [*getattr(node, "handlers", ()), *getattr(node, "cases", ())]
                      for s in part.body]
    return out


def imports(node) -> list:
    """``[(bound name or "*", qualified name)]`` of an import statement."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
                for a in node.names]
    module = "." * node.level + (node.module or "")
    return [(a.asname or a.name, module if a.name == "*" else f"{module}.{a.name}")
            for a in node.names]


def bound(node) -> list:
    """The names a node binds in its scope (``global`` declarations aside)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [node.id]
    if isinstance(node, DEFS):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [name for name, _ in imports(node) if name != "*"]
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def assigned(node) -> list:
    """``[(name, value)]`` for an assignment of a value to plain names."""
    if type(node) is ast.Assign:
        return [(t.id, node.value) for t in node.targets if type(t) is ast.Name]
    if type(node) in (ast.AnnAssign, ast.NamedExpr) and node.value is not None \
            and type(node.target) is ast.Name:
        return [(node.target.id, node.value)]
    return []


def root(node):
    """The name an attribute, subscript or call chain starts from, or None."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def position(node) -> tuple:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
