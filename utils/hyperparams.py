"""Which hyperparameters an optimizer reads, and the one validator for the
dicts readers type.

A from-scratch optimizer `fn(params, states, hyperparams)` says what it
reads in its own code: `hyperparams.get("lr", 1e-3)` reads `lr` with the
default 1e-3, `hyperparams["wd"]` reads `wd` and has no default. `read_keys`
finds those reads in the function's source, so the function shown in a
notebook is the one place its defaults are written; the registry and the
checks below derive from it. For a `torch.optim` class the keys are the
arguments of its constructor.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import math
import textwrap
from collections.abc import Callable

# the step counter the Adam family keeps in the dict; any runner may set it
STEP_COUNTER = "t"


class _Required:
    """The default of a key that the optimizer reads without one
    (`hyperparams["key"]`)."""

    def __repr__(self) -> str:
        return "required"


REQUIRED = _Required()


class _Computed:
    """The default of a key whose default the source computes
    (`hyperparams.get("beta2", 1 - 1e-3)`): there is one, of unknown
    value."""

    def __repr__(self) -> str:
        return "computed"


COMPUTED = _Computed()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(value) -> bool:
    return _is_number(value) and math.isfinite(value) and value > 0


def _non_negative(value) -> bool:
    return _is_number(value) and math.isfinite(value) and value >= 0


def _unit(value) -> bool:
    return _is_number(value) and 0 <= value < 1


def _unit_closed(value) -> bool:
    return _is_number(value) and 0 <= value <= 1


def _betas(value) -> bool:
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(map(_unit, value))
    )


def _count(value) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= 0
    )


def _step_counter(value) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= 1
    )


# key: (test, what the value must be); keys without a rule are not
# range-checked
RULES: dict[str, tuple[Callable, str]] = {
    "lr": (_positive, "a finite number > 0"),
    "eps": (_non_negative, "a finite number >= 0"),
    "weight_decay": (_non_negative, "a finite number >= 0"),
    "momentum": (_unit, "in [0, 1)"),
    "gamma": (_unit, "in [0, 1)"),
    "beta1": (_unit, "in [0, 1)"),
    "beta2": (_unit, "in [0, 1)"),
    "alpha": (_non_negative, "a finite number >= 0"),
    "rho": (_unit_closed, "in [0, 1]"),
    "dampening": (_unit_closed, "in [0, 1]"),
    "betas": (_betas, "a pair of numbers in [0, 1)"),
    "nesterov": (lambda value: isinstance(value, bool), "True or False"),
    "ns_steps": (
        lambda value: _count(value) and value >= 1,
        "an integer >= 1",
    ),
    "warmup_steps": (_count, "an integer >= 0"),
    STEP_COUNTER: (_step_counter, "the step counter, an integer >= 1"),
}


def check_positive_int(name: str, value, what: str = "integer") -> None:
    """Raise a ValueError naming `name` unless `value` is an int >= 1 (a
    bool is not)."""
    if not _step_counter(value):
        raise ValueError(f"{name} must be a positive {what}, got {value!r}")


def check_value(key: str, value) -> None:
    """Raise a ValueError naming `key` if `value` is out of its range (see
    RULES)."""
    rule = RULES.get(key)
    if rule is not None and not rule[0](value):
        raise ValueError(f"{key} must be {rule[1]}, got {value!r}")


def _source_tree(fn) -> ast.FunctionDef | None:
    """The function definition of `fn`, parsed from its source, or None
    without one."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    node = tree.body[0] if tree.body else None
    return (
        node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        else None
    )


def _resolve(fn, name: str):
    """The object a name in `fn`'s body refers to (closure, global or
    builtin), or None."""
    try:
        names = inspect.getclosurevars(fn)
    except (TypeError, ValueError):
        return None
    for scope in (names.nonlocals, names.globals, names.builtins):
        if name in scope:
            return scope[name]
    return None


def _callee(fn, node: ast.expr):
    """The function a call in `fn`'s body calls: a name, or an attribute of
    one (`optimizers.adam`)."""
    if isinstance(node, ast.Name):
        return _resolve(fn, node.id)
    if isinstance(node, ast.Attribute):
        owner = _callee(fn, node.value)
        return (
            getattr(owner, node.attr, None) if owner is not None else None
        )
    return None


def _literal(node: ast.expr, fn):
    """The value of a default written in the source: a literal or a
    module-level name; COMPUTED for anything else."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        if isinstance(node, ast.Name):
            value = _resolve(fn, node.id)
            if _is_number(value):
                return value
        return COMPUTED


def read_keys(fn, _seen: frozenset = frozenset()) -> dict | None:
    """Return {key: default, REQUIRED or COMPUTED} for every hyperparameter
    `fn` reads, in the order its source first reads them, or None if
    unknowable.

    Unknowable: no source (a builtin, a lambda typed at a prompt), or the
    dict escapes in a way the source does not show (`**hyperparams`, an
    unknown callee). A callee that gets the dict (`adam(params, states,
    hyperparams)`) is read too.
    """
    if inspect.isclass(fn):
        return _constructor_keys(fn)
    node = _source_tree(fn)
    if node is None or len(node.args.args) < 3 or fn in _seen:
        return None
    name = node.args.args[2].arg
    required, defaults, inherited, preset = (
        set(),
        {},
        {},
        set(),
    )  # [], .get, a callee's, .setdefault
    # key: where the source first mentions it, to list keys in reading order
    order = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            position = (sub.lineno, sub.col_offset, 0)
            order[sub.value] = min(order.get(sub.value, position), position)
    uses = {
        id(n)
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and n.id == name
    }
    understood: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and _is(sub.value, name):
            key = (
                sub.slice.value
                if isinstance(sub.slice, ast.Constant)
                else None
            )
            if not isinstance(key, str):
                return None
            if isinstance(sub.ctx, ast.Load):
                required.add(key)
            understood.add(id(sub.value))
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and _is(sub.func.value, name)
        ):
            if sub.func.attr not in ("get", "setdefault") or not sub.args:
                return None
            key = (
                sub.args[0].value
                if isinstance(sub.args[0], ast.Constant)
                else None
            )
            if not isinstance(key, str):
                return None
            defaults[key] = (
                _literal(sub.args[1], fn) if len(sub.args) > 1 else None
            )
            if (
                sub.func.attr == "setdefault"
            ):  # a later hyperparams[key] finds it set
                preset.add(key)
            understood.add(id(sub.func.value))
        elif isinstance(sub, ast.Call):
            passed = [arg for arg in sub.args if _is(arg, name)]
            if not passed:
                continue
            callee = _callee(fn, sub.func)
            inner = (
                read_keys(callee, _seen | {fn})
                if callable(callee)
                else None
            )
            if inner is None:
                return None
            for index, (key, default) in enumerate(inner.items(), 1):
                inherited.setdefault(key, default)
                # read where the dict is passed on, in the callee's order
                order.setdefault(key, (sub.lineno, sub.col_offset, index))
            understood.update(id(arg) for arg in passed)
    if uses - understood:  # the dict is used in a way not covered above
        return None
    keys = {**inherited, **defaults}
    keys.update({key: REQUIRED for key in required - preset})
    return dict(sorted(keys.items(), key=lambda item: order[item[0]]))


def _is(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _constructor_keys(cls) -> dict | None:
    """The keyword arguments of a torch.optim-like class, with their
    defaults."""
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {
        p.name: REQUIRED if p.default is p.empty else p.default
        for p in parameters
        if p.name != "params"
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


def validate(fn, hyperparams: dict, *, who: str = "") -> None:
    """Raise a ValueError if a key of `hyperparams` is unknown to `fn`,
    missing, or out of range.

    `fn` is a from-scratch optimizer or a torch.optim class. The message
    names the key, lists the keys `fn` accepts and suggests the closest one.
    `t`, the step counter, is allowed for any from-scratch optimizer.
    """
    if not isinstance(hyperparams, dict):
        raise ValueError(
            f"hyperparams must be a dict, got {type(hyperparams).__name__}"
        )
    who = who or getattr(fn, "__name__", "the optimizer")
    keys = read_keys(fn)
    if keys is not None:
        accepted = [key for key in keys if key != STEP_COUNTER]
        for key in hyperparams:
            if key not in keys and (
                key != STEP_COUNTER or inspect.isclass(fn)
            ):
                close = difflib.get_close_matches(
                    key, accepted, n=1, cutoff=0.5
                )
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"{who} does not read the hyperparameter "
                    f"{key!r}.{hint} "
                    f"It accepts: {', '.join(accepted) or 'none'}."
                )
        missing = [
            k
            for k, v in keys.items()
            if v is REQUIRED and k not in hyperparams and k != STEP_COUNTER
        ]
        if missing:
            raise ValueError(
                f"{who} needs hyperparams[{missing[0]!r}], which has no "
                "default. "
                f"It accepts: {', '.join(accepted)}."
            )
    for key, value in hyperparams.items():
        check_value(key, value)
