"""Static analysis of the ordered policy list (first match wins).

Two kinds of warning:

- a policy whose own conditions can never hold (``in: []``, ``eq`` and ``ne`` of the same
  value, ``eq`` a value listed in ``not_in``, ...): it never matches any ticket;
- a policy that an earlier policy *shadows*: every ticket it matches is matched earlier (an
  earlier catch-all with an empty ``when``, or an earlier policy whose conditions are implied
  by this one's: the same fields with supersets of values). Equivalent conditions "overlap
  completely".

The check is **conservative**: it warns only when the conclusion is certain under the
matching rules of :func:`accord.core.config.resolved.test_field`, so it misses some cases (a
policy covered jointly by several earlier ones, or by ranges of values nobody enumerates) but
never flags a policy that can match. Two assumptions it relies on, both from DESIGN §2:

- ``tags`` always holds a set of tags;
- the other standard fields (``status``, ``priority``, ``customer``, ``team``, ``assignee``,
  ``channel``, ``type``) hold one scalar value. A custom field may hold either a scalar or a
  list of values, so a conclusion about a custom field must hold for both readings.

Scalars compare the way :func:`test_field` compares them: a boolean on either side compares
by ``==`` (so the value ``true`` passes ``eq: 1``), everything else as text. Two expected values
count as the same only when they are of one kind (text, number or boolean) with the same text;
which pairs certainly match no common value is spelled out in ``_disjoint``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from accord.core.config.models import FieldTest, Scalar
from accord.core.config.resolved import Policy
from accord.core.events import STANDARD_FIELDS
from accord.errors import ConfigIssue

_SCALAR_FIELDS = frozenset(STANDARD_FIELDS) - {"tags"}


@dataclass(frozen=True, slots=True)
class PolicyLocation:
    """A policy's conditions and where it is written (for the warnings)."""

    name: str
    when: Mapping[str, FieldTest]
    file: str = "<dict>"
    line: int | None = None
    path: str = ""  # e.g. "policies[2]"

    @classmethod
    def from_policy(cls, policy: Policy, file: str = "<dict>") -> PolicyLocation:
        return cls(policy.name, policy.when, file, None, f"policies[{policy.index}]")

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


def analyze_policies(policies: Sequence[PolicyLocation | Policy]) -> list[ConfigIssue]:
    """Warnings about policies that can never be selected, in list order."""
    items = [
        p if isinstance(p, PolicyLocation) else PolicyLocation.from_policy(p) for p in policies
    ]
    issues: list[ConfigIssue] = []
    live: list[PolicyLocation] = []  # earlier policies that can match something
    for item in items:
        dead = [f for f, t in item.when.items() if _unsatisfiable(f, t)]
        if dead:
            issues.append(
                ConfigIssue(
                    item.file,
                    item.line,
                    f"policy '{item.name}' can never match: its condition on "
                    + ", ".join(f"'{f}'" for f in dead)
                    + " can never hold",
                    "check the values: e.g. 'in: []' matches nothing, and a value cannot be "
                    "both required (eq / in) and excluded (ne / not_in / none)",
                    severity="warning",
                    path=item.path,
                )
            )
            continue
        for earlier in live:
            if not _implies(item.when, earlier.when):
                continue
            same = _implies(earlier.when, item.when)
            if same:
                what = f"policy '{earlier.name}' with the same conditions (they overlap completely)"
            elif not earlier.when:
                what = f"the earlier catch-all policy '{earlier.name}' (empty 'when')"
            else:
                what = f"the earlier, broader policy '{earlier.name}'"
            issues.append(
                ConfigIssue(
                    item.file,
                    item.line,
                    f"policy '{item.name}' can never match: every ticket it matches is taken "
                    f"first by {what} at {earlier.where()}",
                    f"policies are tried in order and the first match wins; move "
                    f"'{item.name}' above '{earlier.name}' if it should win for the tickets "
                    f"they share, or remove it",
                    severity="warning",
                    path=item.path,
                )
            )
            break
        live.append(item)
    return issues


# ---------------------------------------------------------------- per-policy reasoning


def _implies(b: Mapping[str, FieldTest], a: Mapping[str, FieldTest]) -> bool:
    """Certainly: every ticket matching conditions ``b`` also matches conditions ``a``.

    A field that ``a`` tests and ``b`` leaves open could hold anything under ``b``, so it
    blocks the conclusion (a test that every value passes is too rare to be worth proving).
    """
    return all(f in b and _field_implies(f, b[f], a[f]) for f in a)


def _field_implies(name: str, b: FieldTest, a: FieldTest) -> bool:
    return all(
        (
            _tags_implies(_Tags.of(b), _Tags.of(a))
            if tags
            else _scalar_implies(_One.of(b), _One.of(a))
        )
        for tags in _readings(name)
    )


def _unsatisfiable(name: str, test: FieldTest) -> bool:
    return all(
        (_Tags.of(test).unsatisfiable() if tags else _One.of(test).unsatisfiable())
        for tags in _readings(name)
    )


def _readings(name: str) -> tuple[bool, ...]:
    """How a field's value may be read: as a set of tags (True) and / or one scalar (False)."""
    if name == "tags":
        return (True,)
    if name in _SCALAR_FIELDS:
        return (False,)
    return (True, False)


# ---------------------------------------------------------------- one scalar value

_Key = tuple[str, str]  # (kind, text): expected values with equal keys match the same inputs


def _key(v: Scalar) -> _Key:
    if isinstance(v, bool):
        return ("bool", str(v))
    if isinstance(v, int | float):
        return ("num", str(v))
    return ("str", str(v))


def _disjoint(x: _Key, y: _Key) -> bool:
    """Certainly no value matches both expected values.

    Text matches only non-boolean values with that text; a number matches those too, and the
    booleans equal to it (``true`` passes ``eq: 1``); a boolean matches values equal to it.
    """
    if x == y:
        return False
    kinds = {x[0], y[0]}
    if kinds in ({"str"}, {"bool"}):
        return True  # one text, or one truth value, per input
    if kinds == {"str", "num"}:
        return x[1] != y[1]  # text never matches a boolean, so only the texts can meet
    if kinds == {"num"}:
        return float(x[1]) != float(y[1])  # 1 and 1.0 both match true
    return False  # a boolean against a number may share inputs: never assumed


@dataclass(frozen=True)
class _One:
    """A test on one scalar value ``v`` as a conjunction of simple constraints."""

    exists: bool | None = None
    allowed: tuple[frozenset[_Key], ...] = ()  # each: v matches one of these (so v is set)
    forbidden: frozenset[_Key] = frozenset()  # v matches none of these
    impossible: bool = False  # e.g. 'all' of two different values

    @classmethod
    def of(cls, t: FieldTest) -> _One:
        allowed: list[frozenset[_Key]] = []
        impossible = False
        if t.eq is not None:
            allowed.append(frozenset({_key(t.eq)}))
        if t.in_ is not None:
            allowed.append(frozenset(_key(x) for x in t.in_))
        if t.any is not None:
            allowed.append(frozenset(_key(x) for x in t.any))
        if t.all:  # 'all' on a scalar: v matches every listed value ('all: []' always holds)
            keys = {_key(x) for x in t.all}
            if any(_disjoint(x, y) for x in keys for y in keys):
                impossible = True
            else:
                allowed.extend(frozenset({k}) for k in keys)
        forbidden: set[_Key] = set()
        for group in (t.not_in, t.none):
            forbidden.update(_key(x) for x in group or ())
        if t.ne is not None:
            forbidden.add(_key(t.ne))
        return cls(t.exists, tuple(allowed), frozenset(forbidden), impossible)

    def candidates(self, group: frozenset[_Key]) -> frozenset[_Key]:
        """The keys of ``group`` that ``v`` may still match after the exclusions."""
        return group - self.forbidden

    def unsatisfiable(self) -> bool:
        if self.impossible:
            return True
        if self.exists is False and self.allowed:
            return True  # an unset value matches no listed value
        groups = [self.candidates(g) for g in self.allowed]
        # v matches one key per group, and keys it matches together are never disjoint
        for i, group in enumerate(groups):
            others = groups[:i] + groups[i + 1 :]
            if not any(
                all(any(not _disjoint(k, o) for o in other) for other in others) for k in group
            ):
                return True
        return False


def _scalar_implies(b: _One, a: _One) -> bool:
    if b.unsatisfiable():
        return True
    if a.exists is True and not (b.exists is True or b.allowed):
        return False
    if a.exists is False and b.exists is not False:
        return False
    for group in a.allowed:
        if b.exists is False:
            return False
        if not any(b.candidates(g) <= group for g in b.allowed):
            return False
    for k in a.forbidden:
        if k in b.forbidden or b.exists is False:
            continue
        # b pins v to values that are certainly not k
        if not any(all(_disjoint(c, k) for c in b.candidates(g)) for g in b.allowed):
            return False
    return not a.impossible


# ---------------------------------------------------------------- a set of tags


@dataclass(frozen=True)
class _Tags:
    """A test on a set of tags ``T`` as a conjunction of simple constraints.

    ``exists: false`` means the value is unset or empty, so ``T`` is empty; ``T`` not empty
    means the value exists. (The converse is not assumed: a field could hold an empty text.)
    """

    exists: bool | None = None
    some_of: tuple[frozenset[str], ...] = ()  # each: T contains at least one of these
    all_of: frozenset[str] = frozenset()  # T contains every one of these
    none_of: frozenset[str] = frozenset()  # T contains none of these

    @classmethod
    def of(cls, t: FieldTest) -> _Tags:
        some: list[frozenset[str]] = []
        for group in (t.in_, t.any):
            if group is not None:
                some.append(frozenset(str(x) for x in group))
        required = _strs(t.all) | ({str(t.eq)} if t.eq is not None else set())
        excluded = _strs(t.not_in) | _strs(t.none) | ({str(t.ne)} if t.ne is not None else set())
        return cls(t.exists, tuple(some), frozenset(required), frozenset(excluded))

    def nonempty(self) -> bool:
        return bool(self.all_of or self.some_of)

    def unsatisfiable(self) -> bool:
        if self.all_of & self.none_of:
            return True
        if any(not (g - self.none_of) for g in self.some_of):
            return True
        return self.exists is False and self.nonempty()


def _strs(values: Iterable[Scalar] | None) -> set[str]:
    return {str(x) for x in values or ()}


def _tags_implies(b: _Tags, a: _Tags) -> bool:
    if b.unsatisfiable():
        return True
    if a.exists is True and not (b.exists is True or b.nonempty()):
        return False
    if a.exists is False and b.exists is not False:
        return False
    # tags b certainly requires: its 'all' tags, plus a group narrowed to a single tag
    sure = set(b.all_of)
    for g in b.some_of:
        left = g - b.none_of
        if len(left) == 1:
            sure |= left
    if not a.all_of <= sure:
        return False
    for group in a.some_of:
        if not (sure & group or any((g - b.none_of) <= group for g in b.some_of)):
            return False
    return b.exists is False or a.none_of <= b.none_of
