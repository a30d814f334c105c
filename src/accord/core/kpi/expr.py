"""Expressions of derived KPIs: numbers, KPI names, ``+ - * /`` and parentheses.

They are parsed with Python's own parser and then restricted to those forms, so nothing is
ever executed: evaluation (:mod:`accord.core.kpi.evaluate`) translates the tree into a Polars
expression over the referenced KPIs' values. This module imports no Polars: the configuration
loader uses it, and loading a configuration should not start Polars' thread pool (the batch
engine forks workers).
"""

from __future__ import annotations

import ast

_ALLOWED = "only numbers, KPI names, + - * / and parentheses"


def parse_expr(text: str) -> ast.expr:
    """The checked tree of ``text``; raises ``ValueError`` saying what is wrong."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ValueError(f"the expression '{text}' is not valid{where}") from None
    _check(tree.body, text)
    return tree.body


def _check(node: ast.expr, text: str) -> None:
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            raise ValueError(f"'{text}' uses an operator other than + - * /; {_ALLOWED}")
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ValueError(f"'{text}' uses an operator other than + - * /; {_ALLOWED}")
        _check(node.operand, text)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ValueError(f"'{text}' has the constant {node.value!r}; {_ALLOWED}")
    elif not isinstance(node, ast.Name):
        raise ValueError(f"'{text}' is not a plain arithmetic expression; {_ALLOWED}")


def referenced(tree: ast.expr) -> list[str]:
    """The KPI names an expression uses, in order of first appearance."""
    return list(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)))
