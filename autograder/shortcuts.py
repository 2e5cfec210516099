"""Library shortcuts, judged from a submission's source in the grader process.

A graded function that implements a convolution must compute it itself. This module reads the
student's code cells (``convgrade.cellcode``: as IPython runs them, never executed) and
collects the evidence that a function may not be graded as the student's own work. What counts
is ``convgrade.policy``'s; a function the policy exempts never gets a finding.

Names. Every name or attribute chain is resolved to qualified names: through the notebook's
imports (``import numpy as np`` makes ``np.fft.fft`` ``numpy.fft.fft``; ``from scipy import
signal as s`` makes ``s.correlate2d`` ``scipy.signal.correlate2d``), the imports of the
instructor's own cells (``policy.NOTEBOOK_IMPORTS``), globals assigned a chain (after ``m =
np``, ``m.convolve`` is ``numpy.convolve``), ``getattr(np, "correlate")`` with a constant name,
``importlib.import_module`` or ``__import__`` with a constant name, and star imports (after
``from numpy import *`` a name bound nowhere, unless private or a builtin, is
``numpy.<name>``). A builtin is its bare name (``exec``). The reading is flow-insensitive: a
name stands for whatever any of its bindings gives it. A qualified name matches a policy entry
equal to it or above it; one under numpy or scipy with a part starting with "_", or under
numpy.core, is a private part.

The rules, each counting against every graded function the policy does not exempt:

1. Reach ("library", "dynamic"). The code of every top-level binding of the function (its
   def, an assignment or lambda, an import, a for target, a function that declares it global
   and assigns it ...) and, transitively, of every global that code uses (helpers, classes,
   variables, containers filled at top level) must reach no library convolution or private
   part ("library") and no dynamic or tampering feature ("dynamic": a global computed through
   importlib, pickle or a computed getattr ...). Imports inside a function are references;
   names a function binds are its own and shadow globals.
2. Dynamic features ("dynamic"). A cell that binds the function uses nothing in
   ``policy.DYNAMIC_FEATURES`` (``getattr``, ``setattr``, ``delattr`` with a computed name).
3. Tampering ("tampering"): anything in ``policy.TAMPERING_FEATURES`` or
   ``policy.TAMPERING_ATTRIBUTES``; an attribute of IPython's shell (``get_ipython()``) other
   than ``policy.IPYTHON_ALLOWED``, or the shell handed on; a magic run on computed code;
   assigning or deleting an attribute of an imported module or of a chain under one (also with
   ``setattr``); a cell that cannot be read; a name bound in more ways than
   ``policy.SOURCE_NAME_MEANINGS``. Where it runs decides whom it counts against: in code
   that runs when its cell runs (top-level statements, class bodies, defaults, and the
   functions that code names), against every graded function, since it could change what
   any graded call does; inside a function nothing runs at load time, only against the
   graded functions that reach that function (rule 1). An import alone runs nothing.
4. Ready-made methods ("method"). A function listed in ``policy.FORBIDDEN_METHODS`` must not
   reach (rule 1's walk) an attribute of a name listed for it, written ``x.name`` or
   ``getattr(x, "name")``: its task asks for exactly the step that method performs. What the
   method is called on is a run-time value (a sympy ``Sum`` handed in as an argument), so the
   name decides; a function of the student's own with that name, called by name, is not an
   attribute and does not count.

A cell that does not parse is skipped: it fails in the kernel too. Using a library convolution
at top level, to compare with the student's function, is allowed: only what a graded function
reaches counts.
"""
from __future__ import annotations

import ast
import builtins
import functools
from dataclasses import dataclass

from . import cellcode, policy
from .cellcode import MAGICS, constant

_REASONS = {
    "library": "library convolutions are not allowed here",
    "dynamic": "dynamic imports, computed attribute names, pickles, threads and subprocesses "
               "are not allowed in or for a function that implements a convolution, since they "
               "could hide a library convolution",
    "tampering": "exec, eval, dynamic imports and changes to the interpreter, IPython or the "
                 "libraries are not allowed in a notebook the grader checks: they could hide a "
                 "library convolution or change what a graded call does",
    "method": "the task asks you to write this step yourself, not to call a library's "
              "ready-made method for it",
}
_VERBS = {"library": "reaches", "method": "calls the ready-made method"}
_BUILTINS = frozenset(dir(builtins)) | {"get_ipython"}
_SHELL = "get_ipython()"
_STAR = "through a star import"


@dataclass(frozen=True)
class Finding:
    """One piece of evidence that a graded function may not be graded as the student's own work."""
    function: str          # the graded function it counts against
    reached: str           # what was reached: "scipy.signal.correlate2d", "importlib" ...
    how: str               # how, in words, or "": "through importlib", "through the helper _conv"
    kind: str              # "library" | "dynamic" | "tampering" | "method"
    cell: int              # index of the cell (as passed in) where the offending code is
    line: int              # 1-based line in that cell's source

    def message(self) -> str:
        verb = _VERBS.get(self.kind, "uses")
        how = f" {self.how}" if self.how else ""
        return (f"{self.function} {verb} {self.reached}{how} (cell {self.cell}, "
                f"line {self.line}): {_REASONS[self.kind]}")


def _matches(name: str, entries: tuple) -> bool:
    """Is ``name`` equal to an entry or under one?"""
    return name in entries or name.startswith(_dotted(entries))


@functools.lru_cache(maxsize=None)
def _dotted(entries: tuple) -> tuple:
    return tuple(e + "." for e in entries)


def _library(name: str) -> bool:
    """A library convolution, or a private part of numpy or scipy?"""
    return _matches(name, policy.CONVOLUTIONS) or _matches(name, policy.PRIVATE_ALIASES) or \
        _matches(name, policy.PRIVATE_PARTS_OF) and any(p[:1] == "_" for p in name.split(".")[1:])


def _methods(code, names: frozenset) -> list:
    """Rule 4: ``[(name, line)]`` where ``code`` names an attribute in ``names``, as
    ``x.name`` or ``getattr(x, "name")``."""
    if not names:
        return []
    found = []
    for node in ast.walk(code):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.attr, node.lineno))
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and constant(node.args[1]) \
                and node.args[1].value in names and \
                "getattr" in (getattr(node.func, "id", None), getattr(node.func, "attr", None)):
            found.append((node.args[1].value, node.lineno))
    return found


def _dynamic(name: str) -> bool:
    return _matches(name, policy.DYNAMIC_FEATURES) or _matches(name, policy.TAMPERING_FEATURES)


@dataclass(slots=True)
class _Binding:
    """A top-level binding of a name: the code that gives it its value (None for an import,
    whose ``meanings`` are known), and whether it defines the name or only fills it."""
    cell: int
    line: int
    code: ast.AST | None
    meanings: frozenset = frozenset()
    defines: bool = True


@dataclass(slots=True)
class _Use:
    """A name chain in some code: what it may stand for, the global it starts from."""
    meanings: frozenset          # of (qualified name, how)
    line: int
    root: str | None
    plain: bool                  # False: the getattr/import_module of a chain resolved already


class SourcePolicy:
    """The library-shortcut policy applied to one notebook's source (the module's rules)."""

    def __init__(self, cells, graded):
        self.graded = tuple(graded)
        self.trees = {}                # cell index -> its code
        self.bindings = {}             # global name -> [_Binding]
        self.helpers = set()           # globals bound by a def, a class or a lambda
        self.stars = []                # modules imported with *
        self.table = {}                # global name -> what the student's cells make it mean
        self.events = []               # (cell, line, reached) of rule 3
        self._scans, self._verdicts, self._known, self._looked = {}, {}, None, set()
        self._reached = {}             # function -> the globals its code uses, transitively
        aliases = []
        for index, source in cells:
            tree, readable = cellcode.read(source)
            if not readable:
                self.events.append((index, 1, "code that cannot be read"))
            if tree is not None:
                self.trees[index] = tree
                aliases += self._collect(index, tree, ":=" in source)
        for _ in range(2):             # again if a global read changed later (loops, functions)
            stale = False
            for cell, node, name, value in aliases:
                more = value if isinstance(value, frozenset) else frozenset(
                    (q, how or f"through the global {name}") for q, how in self._values(value, {}))
                before = self.table.get(name)
                if self._grow(self.table, name, more):
                    self.events.append((cell, node.lineno, f"{name} (bound in too many ways)"))
                stale |= name in self._looked and self.table[name] != before
            if not stale:
                break
        self._known = {}               # the table is complete: remember what globals mean
        for cell, tree in self.trees.items():
            self.events += [(cell, line, reached) for reached, line in self._run_on_load(tree)]
        for function in self.graded:
            self.findings(function)

    @classmethod
    def from_cells(cls, cells, graded) -> "SourcePolicy":
        """cells: ``[(cell index, source)]`` of the student-editable code cells in execution
        order; graded: the names of the graded functions."""
        return cls(cells, graded)

    def findings(self, function: str) -> list:
        """Evidence against ``function`` (empty: it may be graded), by cell, line, what."""
        if policy.library_convolution_allowed(function):
            return []
        if function not in self._verdicts:
            found = {*self._reach(function), *self._in_its_cells(function),
                     *(Finding(function, reached, "", "tampering", cell, line)
                       for cell, line, reached in self.events)}
            self._verdicts[function] = sorted(
                found, key=lambda f: (f.cell, f.line, f.reached, f.kind, f.how))
        return list(self._verdicts[function])

    def reached(self, function: str) -> frozenset:
        """The globals ``function``'s code uses, directly or through the helpers and globals
        it uses (rule 1's walk): the evidence that one graded function calls another."""
        if function not in self._reached:
            self._reach(function)
        return self._reached[function]

    # -- the rules ----------------------------------------------------------------------------

    def _reach(self, function) -> list:
        """Rule 1: what the code of ``function``'s bindings reaches, following globals (and
        rule 4 in that code)."""
        out, seen, work = [], {function}, [(function, (), 0)]
        methods = frozenset(policy.FORBIDDEN_METHODS.get(function, ()))
        for name, first, hops in work:            # grows as globals are found: a worklist
            for b in self.bindings.get(name, ()):
                if b.code is None and hops or not b.defines and (
                        self.table.get(name) or name in policy.NOTEBOOK_IMPORTS):
                    continue       # an imported name is resolved where used; np.x(...) fills no np
                uses = self._scan(b.code)[0] if b.code else [_Use(b.meanings, b.line, None, True)]
                if b.code:             # rule 3 in code this function may run when called
                    how = self._how(first, hops, name)
                    out += [Finding(function, reached, how, "tampering", b.cell, line)
                            for reached, line in self._scan(b.code)[1]]
                    out += [Finding(function, method, how, "method", b.cell, line)
                            for method, line in _methods(b.code, methods)]
                for use in uses:
                    for q, via in use.meanings:
                        kind = "library" if _library(q) else \
                            "dynamic" if use.plain and _dynamic(q) else None
                        if kind:
                            how = ", ".join(filter(None, (self._how(first, hops, name), via)))
                            out.append(Finding(function, q, how, kind, b.cell, use.line))
                    if use.root and use.root not in seen:
                        seen.add(use.root)
                        work.append((use.root, first if len(first) == 2 else first + (use.root,),
                                     hops + 1))
        self._reached[function] = frozenset(seen - {function})
        return out

    def _run_on_load(self, tree) -> list:
        """Rule 3 in the code that runs when the cell runs: its statements (an import alone
        runs nothing: what it binds counts where it is used), class bodies, decorators and
        defaults, and the bodies of the functions that code names (it may call them),
        transitively. A function body nothing runs at load time counts only against the
        graded functions that reach it (rule 1)."""
        parts, work = [], list(tree.body)
        while work:
            node = work.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                parts += cellcode.outer(node)
            elif isinstance(node, ast.ClassDef):
                parts += cellcode.outer(node)
                work += node.body
            elif not isinstance(node, (ast.Import, ast.ImportFrom)):   # importing runs nothing
                parts.append(node)
        events, names, seen = [], [], set()
        for part in parts:
            uses, found = self._scan(part)
            events += found
            names += [use.root for use in uses if use.root]
        while names:
            name = names.pop()
            if name in seen:
                continue
            seen.add(name)
            for b in self.bindings.get(name, ()):
                if isinstance(b.code, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    uses, found = self._scan(b.code)
                    events += found
                    names += [use.root for use in uses if use.root]
        return events

    def _in_its_cells(self, function) -> list:
        """Rule 2: dynamic features in a cell that binds ``function``."""
        cells = sorted({b.cell for b in self.bindings.get(function, ()) if b.defines})
        return [Finding(function, q, "", "dynamic", cell, use.line)
                for cell in cells for use in self._scan(self.trees[cell])[0] if use.plain
                for q, _ in use.meanings if _matches(q, policy.DYNAMIC_FEATURES)]

    def _how(self, first, hops, name) -> str:
        """"through the helper a, the helper b and the global c": a path of ``hops`` globals
        from the graded function, ``first`` its first two, ``name`` its last."""
        if not hops:
            return ""
        path = [*first[:hops - 1], name] if hops <= 3 else [first[0], "...", name]
        parts = [p if p == "..." else f"the {'helper' if p in self.helpers else 'global'} {p}"
                 for p in path]
        return "through " + " and ".join(filter(None, [", ".join(parts[:-1]), parts[-1]]))

    # -- top-level bindings -------------------------------------------------------------------

    def _collect(self, cell, tree, walrus: bool) -> list:
        """Record the top-level bindings of a cell (``walrus``: there are ``:=``); return its
        aliases ``[(cell, node, name, meanings or value)]`` in order."""
        aliases = []

        def bind(name, node, code, **more):
            self.bindings.setdefault(name, []).append(_Binding(cell, node.lineno, code, **more))

        def targets(nodes, code, at):
            nodes = list(nodes)
            while nodes:
                target = nodes.pop()
                if isinstance(target, ast.Name):
                    bind(target.id, at, code)
                elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
                    nodes += target.elts if hasattr(target, "elts") else [target.value]
                elif cellcode.root(target):               # x[k] = v, x.a = v: fills x
                    bind(cellcode.root(target), at, code, defines=False)

        walrus = [n for n in cellcode.own_nodes(tree) if isinstance(n, ast.NamedExpr)] \
            if walrus else []
        for node in sorted(cellcode.statements(tree) + walrus, key=cellcode.position):
            aliases += [(cell, node, name, value) for name, value in cellcode.assigned(node)]
            if isinstance(node, cellcode.DEFS):
                bind(node.name, node, node)
                self.helpers.add(node.name)
                declared = {n for sub in ast.walk(node) if isinstance(sub, ast.Global)
                            for n in sub.names}
                for sub in ast.walk(node) if declared else ():      # global g; g = ...
                    for name in set(cellcode.bound(sub)) & declared:
                        bind(name, sub, node)
                    aliases += [(cell, sub, n, v) for n, v in cellcode.assigned(sub)
                                if n in declared]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, qualified in cellcode.imports(node):
                    if name == "*":
                        self.stars.append(qualified)
                    else:
                        meanings = frozenset({(qualified, "")})
                        bind(name, node, None, meanings=meanings)
                        aliases.append((cell, node, name, meanings))
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value:
                targets(getattr(node, "targets", [getattr(node, "target", None)]), node, node)
                if isinstance(node.value, ast.Lambda):
                    self.helpers.update(t.id for t in getattr(node, "targets", ())
                                        if isinstance(t, ast.Name))
            elif isinstance(node, ast.NamedExpr):
                targets([node.target], node.value, node)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                targets([node.target], node.iter, node)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    targets([item.optional_vars] if item.optional_vars else [],
                            item.context_expr, node)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    for sub in ast.walk(case.pattern):
                        for name in cellcode.bound(sub):
                            bind(name, sub, node.subject)
            elif hasattr(node, "handlers"):                          # try, try*
                for handler in node.handlers:
                    if handler.name:
                        bind(handler.name, handler, None)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                    isinstance(node.value.func, ast.Attribute) and cellcode.root(node.value.func):
                bind(cellcode.root(node.value.func), node, node, defines=False)  # x.append(v)
        return aliases

    @staticmethod
    def _grow(table, name, more) -> bool:
        """Add meanings to a name; True if it then has more than the policy follows (cut)."""
        merged = table.get(name, frozenset()) | more
        limit = policy.SOURCE_NAME_MEANINGS
        table[name] = frozenset(sorted(merged)[:limit]) if len(merged) > limit else merged
        return len(merged) > limit

    # -- names --------------------------------------------------------------------------------

    def _global(self, name) -> frozenset:
        """What a global may stand for (remembered once the table is complete)."""
        if self._known is None:
            self._looked.add(name)
        elif name in self._known:
            return self._known[name]
        found = set(self.table.get(name, ()))
        if name in policy.NOTEBOOK_IMPORTS:
            found.add((policy.NOTEBOOK_IMPORTS[name], ""))
        if name in _BUILTINS:
            found.add((name, ""))
        elif self.stars and not name.startswith("_") and not found and name not in self.bindings:
            found.update((f"{module}.{name}", _STAR) for module in self.stars)
        if self._known is not None:
            self._known[name] = frozenset(found)
        return frozenset(found)

    def _lookup(self, name, env):
        """``(meanings, is_global)``; ``env`` holds the names of the enclosing functions."""
        return (env[name], False) if name in env else (self._global(name), True)

    def _callee(self, node, env) -> set:
        """The qualified names of a plain ``a.b.c`` chain (no calls in it)."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return set()
        suffix = "".join("." + a for a in reversed(attrs))
        return {q + suffix for q, _ in self._lookup(node.id, env)[0]}

    def _special(self, call, env):
        """``("attr", name)`` for getattr with a constant name; ``("base", meanings)`` for an
        import by a constant name or IPython's shell; None for any other call."""
        names, args = self._callee(call.func, env), call.args
        if "getattr" in names and len(args) >= 2 and constant(args[1]):
            return "attr", args[1].value
        if args and constant(args[0]) and not args[0].value.startswith("."):
            module = args[0].value
            if "importlib.import_module" in names:
                return "base", frozenset({(module, "through importlib")})
            if "__import__" in names:
                return "base", frozenset({(module, "through __import__"),
                                          (module.split(".")[0], "through __import__")})
        if not args and not call.keywords and any(
                n == "get_ipython" or n.startswith("IPython.") and n.endswith(".get_ipython")
                for n in names):
            return "base", frozenset({(_SHELL, "")})
        return None

    def _chain(self, node, env):
        """``(meanings, start, attrs, calls, is_global)`` of the chain ending at ``node``: what
        it may stand for, the node it starts from, its attribute names, the calls resolved."""
        attrs, calls, special = [], [], None
        while True:
            if isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
                continue
            special = self._special(node, env) if isinstance(node, ast.Call) else None
            if not special or special[0] != "attr":
                break
            attrs.append(special[1])
            calls.append(node)
            node = node.args[0]
        base, is_global = frozenset(), False
        if special:
            calls.append(node)
            base = special[1]
        elif isinstance(node, ast.Name):
            base, is_global = self._lookup(node.id, env)
        suffix = "".join("." + a for a in reversed(attrs))
        return frozenset((q + suffix, how) for q, how in base), node, attrs, calls, is_global

    def _values(self, node, env) -> frozenset:
        """What a value may stand for: a chain, or a choice (``a if c else b``) of chains."""
        out, stack = set(), [node]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.IfExp):
                stack += [node.body, node.orelse]
            elif isinstance(node, ast.BoolOp):
                stack += node.values
            elif isinstance(node, ast.NamedExpr):
                stack.append(node.value)
            elif isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
                out |= self._chain(node, env)[0]
        return frozenset(out)

    def _locals(self, scope, outer, events) -> dict:
        """``outer`` with the names ``scope`` binds itself, each with what it may stand for."""
        nodes = sorted(cellcode.own_nodes(scope), key=cellcode.position)
        declared = {n for node in nodes if isinstance(node, (ast.Global, ast.Nonlocal))
                    for n in node.names}
        own = ({n for node in nodes for n in cellcode.bound(node)} |
               cellcode.parameters(scope)) - declared
        env = {**outer, **dict.fromkeys(own, frozenset())}
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                pairs = [(n, frozenset({(q, "")})) for n, q in cellcode.imports(node) if n != "*"]
            else:
                pairs = [(n, self._values(v, env)) for n, v in cellcode.assigned(node)]
            for name, more in pairs:
                if name in own and self._grow(env, name, more):
                    events.append((f"{name} (bound in too many ways)", node.lineno))
        return env

    # -- reading code -------------------------------------------------------------------------

    def _scan(self, top):
        """``(uses, tampering)`` of ``top`` (a cell, or the code of a top-level binding): every
        name chain with what it may stand for, and ``[(reached, line)]`` of rule 3."""
        if id(top) in self._scans:
            return self._scans[id(top)]
        if isinstance(top, ast.Module):          # statement by statement: bindings reuse them
            parts = [self._scan(statement) for statement in top.body]
            self._scans[id(top)] = ([u for p in parts for u in p[0]],
                                    [e for p in parts for e in p[1]])
            return self._scans[id(top)]
        uses, events = [], []
        stack = [(top, {}, {}, "")]   # node, names of the enclosing scopes, of enclosing functions
        while stack:
            node, env, outer, role = stack.pop()
            kind = type(node)
            if kind in cellcode.LEAVES or kind is ast.Name and type(node.ctx) is not ast.Load:
                continue
            if kind is ast.Attribute and type(node.ctx) is not ast.Load:
                self._stored(node.value, node.attr, env, node.lineno, events)
                stack.append((node.value, env, outer, ""))
            elif kind in (ast.Name, ast.Attribute, ast.Call):
                meanings, start, attrs, calls, is_global = self._chain(node, env)
                if kind is ast.Call and not calls:                 # a call of something else
                    stack.append((node.func, env, outer, self._called(node, env, events)))
                    stack += [(part, env, outer, "") for part in [*node.args, *node.keywords]]
                    continue
                named = type(start) is ast.Name
                if meanings or is_global:
                    uses.append(_Use(meanings, node.lineno, start.id if is_global else None,
                                     role != "consumed"))
                self._inspect(meanings, attrs, start.id if named else "", role, node.lineno,
                              events)
                if not named and start not in calls:
                    stack.append((start, env, outer, ""))
                for call in calls:
                    stack.append((call.func, env, outer, "consumed"))
                    stack += [(part, env, outer, "") for part in [*call.args[1:], *call.keywords]]
            elif isinstance(node, cellcode.SCOPES):
                stack += [(part, env, outer, "") for part in cellcode.outer(node)]
                inner = self._locals(node, outer, events)
                below = outer if kind is ast.ClassDef else inner    # methods skip the class
                stack += [(part, inner, below, "") for part in cellcode.inner(node)]
            elif kind in (ast.Import, ast.ImportFrom):
                uses += [_Use(frozenset({(q, "")}), node.lineno, None, True)
                         for _, q in cellcode.imports(node)]
            else:
                value = node.value if cellcode.assigned(node) else None  # x = get_ipython()
                stack += [(child, env, outer, "aliased" if child is value else "")
                          for child in ast.iter_child_nodes(node)]
        events += [(q, use.line) for use in uses for q, _ in use.meanings
                   if _matches(q, policy.TAMPERING_FEATURES)]
        self._scans[id(top)] = uses, events
        return uses, events

    def _called(self, call, env, events):
        """The role of a call's function: ``setattr`` and ``delattr`` change an attribute."""
        if self._callee(call.func, env) & {"setattr", "delattr"} and call.args:
            named = len(call.args) > 1 and constant(call.args[1])
            self._stored(call.args[0], call.args[1].value if named else None, env, call.lineno,
                         events)
            return "consumed" if named else call
        return call

    def _stored(self, value, attr, env, line, events):
        """An attribute of ``value`` is assigned or deleted: tampering if it is a module's."""
        for q, _ in sorted(self._chain(value, env)[0]):
            if q.split(".")[0] not in _BUILTINS:
                events.append((f"{q}.{attr} (assigned to)" if attr else
                               f"{q} (an attribute assigned to)", line))
        if attr in policy.TAMPERING_ATTRIBUTES:
            events.append((attr, line))

    @staticmethod
    def _inspect(meanings, attrs, start, role, line, events):
        """Rule 3 on one chain: attributes that reach inside things (and ``__builtins__``
        as a name), and IPython's shell."""
        events += [(a, line) for a in attrs + [start][:start.startswith("__")]
                   if a in policy.TAMPERING_ATTRIBUTES]
        for q, _ in sorted(meanings):
            if q.startswith(_SHELL + "."):
                attr = q[len(_SHELL) + 1:].split(".")[0]
                if attr not in policy.IPYTHON_ALLOWED:
                    events.append((f"{_SHELL}.{attr}", line))
                elif attr in MAGICS and isinstance(role, ast.Call) and \
                        not all(map(constant, role.args)):
                    events.append((f"{_SHELL}.{attr} on computed code", line))
            elif q == _SHELL and role != "aliased" or q == "get_ipython" and role == "":
                events.append((f"{_SHELL} itself", line))
