"""Checks of the ``contracts:`` section across files, run by the configuration loader.

Each contract is validated against :class:`~accord.core.contracts.models.ContractSpec` through
the loader's own validation (schema problems carry file and line like any other), then checked
against everything else that is defined, every problem at its own line: one contract per
customer, known policies and metrics, one kind per objective, one credit scheme that fits its
objective, tiers in order, pool allocations within the pool, money with no more decimals than
the currency has, earn-back only over calendar periods.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from accord.core.config.yamlsrc import YamlPath, YamlSource
from accord.core.contracts.models import (
    KINDS,
    SCHEMES,
    ContractSpec,
    ObjectiveSpec,
    Tier,
    minor_unit,
)
from accord.core.kpi.check import Report

M = TypeVar("M")


class Validate(Protocol):
    def __call__(self, model: type[M], value: Any, src: YamlSource, path: YamlPath) -> M | None: ...


@dataclass
class ContractItem:
    """One entry of a ``contracts:`` section, as written."""

    src: YamlSource
    path: YamlPath
    name: str
    raw: Any


def check_contracts(
    items: Sequence[ContractItem],
    *,
    validate: Validate,
    report: Report,
    policies: Mapping[str, Collection[str]],
    metrics_known: Iterable[str],
    incomplete: bool = False,
) -> dict[str, ContractSpec]:
    """The valid contracts by name, each with its ``customer`` filled in.

    ``policies`` maps every defined policy to the metrics its versions name; ``metrics_known``
    are the built-in and custom metrics; ``incomplete`` (a file could not be read) silences the
    checks of names that file might have defined.

    The contract's own keys and each objective are validated apart, so that a mistake in one
    objective hides neither the others' nor a wrong policy name.
    """
    out: dict[str, ContractSpec] = {}
    defined: dict[str, ContractItem] = {}
    customers: dict[str, ContractItem] = {}
    known = tuple(dict.fromkeys(metrics_known))
    for item in items:
        first = defined.get(item.name)
        if first is not None:
            report(
                item.src,
                item.path,
                f"contract '{item.name}' is defined twice (first at {_where(first)})",
                "give one of them another name, or remove one",
            )
            continue
        defined[item.name] = item
        raw = {} if item.raw is None else item.raw
        if not isinstance(raw, Mapping):
            validate(ContractSpec, raw, item.src, item.path)  # reports what it should be
            continue
        top, objectives = _validate(item, raw, validate)
        checker = _Checker(item, raw, top, report, policies, known, incomplete)
        checker.run(objectives)
        customer = top.customer if top is not None else raw.get("customer")
        customer = item.name if customer is None else customer
        other = customers.get(customer) if isinstance(customer, str) else None
        if other is not None:
            checker.error(
                ("customer",) if "customer" in raw else (),
                f"customer '{customer}' has two contracts: '{other.name}' (at "
                f"{_where(other)}) and '{item.name}'",
                "one contract per customer: merge their objectives into one",
            )
        elif isinstance(customer, str):
            customers[customer] = item
        valid = {str(k): o for k, o in objectives.items() if o is not None}
        if top is not None and len(valid) == len(objectives) and not checker.failed:
            out[item.name] = top.model_copy(update={"customer": customer, "objectives": valid})
    return out


def _validate(
    item: ContractItem, raw: Mapping[Any, Any], validate: Validate
) -> tuple[ContractSpec | None, dict[Any, ObjectiveSpec | None]]:
    """The contract without its objectives, and each objective on its own."""
    given = raw.get("objectives")
    if not isinstance(given, Mapping):  # missing or not a mapping: the schema says which
        return validate(ContractSpec, raw, item.src, item.path), {}
    objectives: dict[Any, ObjectiveSpec | None] = {
        key: validate(ObjectiveSpec, {} if value is None else value, item.src,
                      (*item.path, "objectives", key))
        for key, value in given.items()
    }  # fmt: skip
    top = validate(ContractSpec, {**raw, "objectives": {}}, item.src, item.path)
    return top, objectives


def _where(item: ContractItem) -> str:
    line = item.src.nearest_line(item.path)
    return f"{item.src.file}:{line}" if line is not None else item.src.file


def _keys(raw: Any) -> Collection[Any]:
    return raw if isinstance(raw, Mapping) else ()


def _did_you_mean(word: object, choices: Iterable[str], fallback: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else fallback


def _pct(d: Decimal) -> str:
    return f"{(d * 100).normalize():f}%"


class _Checker:
    """The checks of one contract. ``top`` is its validated keys (``None`` when they have
    problems: the checks that need them are skipped, the others still run on ``raw``)."""

    def __init__(
        self,
        item: ContractItem,
        raw: Mapping[Any, Any],
        top: ContractSpec | None,
        report: Report,
        policies: Mapping[str, Collection[str]],
        metrics: tuple[str, ...],
        incomplete: bool,
    ) -> None:
        self.item, self.raw, self.top, self._report = item, raw, top, report
        self.policies, self.metrics, self.incomplete = policies, metrics, incomplete
        self.failed = False

    def error(self, rel: YamlPath, message: str, hint: str = "") -> None:
        self.failed = True
        self._report(self.item.src, (*self.item.path, *rel), message, hint)

    def warn(self, rel: YamlPath, message: str, hint: str = "") -> None:
        self._report(self.item.src, (*self.item.path, *rel), message, hint, severity="warning")

    def run(self, objectives: Mapping[Any, ObjectiveSpec | None]) -> None:
        top = self.top
        self.check_policies()
        if top is not None:
            self.check_money(("monthly_fee",), top.monthly_fee)
            if top.credit_cap is not None and top.credit_cap.money is not None:
                self.check_money(("credit_cap",), top.credit_cap.money)
            if top.earn_back and top.rolling is not None:
                self.error(
                    ("earn_back",),
                    "earn-back needs calendar periods; rolling windows have no next period",
                    "use period: month or quarter, or remove earn_back",
                )
        given = self.raw.get("objectives")
        if isinstance(given, Mapping) and not given:
            self.error(
                ("objectives",),
                f"contract '{self.item.name}' has no objectives, so it promises nothing",
                "add an objective such as {metric: first_response, met_share: 95%}",
            )
        for name, raw in given.items() if isinstance(given, Mapping) else ():
            if isinstance(raw, Mapping):  # from the text: a mistake elsewhere hides nothing
                self.check_metrics(("objectives", name), str(name), raw.get("metric"))
        pooled = Decimal(0)
        for name, objective in objectives.items():
            if objective is None:
                continue
            self.check_objective(("objectives", name), str(name), objective)
            if objective.credit is not None and objective.credit.pool is not None:
                pooled += objective.credit.pool
        if pooled > 1:
            self.error(
                ("objectives",),
                f"the objectives' pool allocations add up to {_pct(pooled)}, more than the pool",
                "allocate at most 100% of at_risk_pool across the objectives",
            )

    def covered(self) -> list[tuple[YamlPath, str]]:
        """The policy names the contract covers, with their paths (from the raw text, so that
        they are checked even when other keys have problems)."""
        given = self.raw.get("policies")
        if isinstance(given, str):
            return [(("policies",), given)]
        if isinstance(given, list):
            return [(("policies", n), p) for n, p in enumerate(given) if isinstance(p, str)]
        return []

    def check_policies(self) -> None:
        if self.top is not None and not self.top.policies:
            self.error(("policies",), "a contract covers at least one policy")
        if self.incomplete:
            return
        for path, name in self.covered():
            if name not in self.policies:
                self.error(
                    path,
                    f"unknown policy '{name}'",
                    _did_you_mean(name, self.policies, "the policies are "
                                  + ", ".join(self.policies)),
                )  # fmt: skip

    def check_money(self, rel: YamlPath, amount: Decimal) -> None:
        if self.top is None:  # the currency is not known
            return
        currency = self.top.currency
        places = minor_unit(currency)
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.error(
                rel,
                f"{amount} has more decimals than {currency} has ({places})",
                f"round it to the {currency} minor unit",
            )

    def check_objective(self, at: YamlPath, name: str, o: ObjectiveSpec) -> None:
        kinds = o.kinds
        if len(kinds) != 1:
            given = " and ".join(kinds) if kinds else "none"
            self.error(
                at,
                f"objective '{name}' must be exactly one of {', '.join(KINDS)} (given: {given})",
                "e.g. met_share: 95%, max_breaches: 2, or statistic: median with max: 30m",
            )
        if (o.statistic is None) != (o.max is None):
            self.error(
                (*at, "statistic" if o.statistic is not None else "max"),
                "'statistic' and 'max' go together: the statistic of business elapsed is at most "
                "'max'",
                "e.g. statistic: median, max: 30m",
            )
        if not o.metric:
            self.error((*at, "metric"), f"objective '{name}' names no metric")
        if o.credit is not None and len(kinds) == 1:
            self.check_credit((*at, "credit"), o)

    def check_metrics(self, at: YamlPath, name: str, given: object) -> None:
        """The metric names of one objective, as written."""
        names = [given] if isinstance(given, str) else given if isinstance(given, list) else []
        measured = {m for _, p in self.covered() for m in self.policies.get(p, ())}
        for n, metric in enumerate(names):
            path = (*at, "metric", n) if isinstance(given, list) else (*at, "metric")
            if self.incomplete or not isinstance(metric, str):
                continue
            if metric not in self.metrics:
                self.error(
                    path,
                    f"unknown metric '{metric}'",
                    _did_you_mean(metric, self.metrics, "the metrics are "
                                  + ", ".join(self.metrics)),
                )  # fmt: skip
            elif measured and metric not in measured:
                self.warn(
                    path,
                    f"no policy of this contract measures '{metric}', so objective '{name}' "
                    "never has a clock",
                    "the policies measure " + ", ".join(sorted(measured)),
                )

    def check_credit(self, at: YamlPath, o: ObjectiveSpec) -> None:
        credit = o.credit
        assert credit is not None
        given = [s for s in SCHEMES if getattr(credit, s) is not None]
        pool = credit.pool is not None
        if not given:
            self.error(at, "a credit names no scheme", "use one of " + ", ".join(SCHEMES))
            return
        # a pool is paid out by tiers or by 'missed'; every other scheme stands alone
        extra = [s for s in given if s not in ("pool", "tiers")] if pool else given[1:]
        if extra:
            self.error(
                at,
                f"a credit has one scheme; this one gives {' and '.join(given)}",
                "only a pool combines with tiers (which then share out the allocation)",
            )
            return
        kind = o.kind
        if credit.missed is not None and not pool:
            self.error((*at, "missed"), "'missed' is the share of a pool allocation; add 'pool'")
        if pool:
            if self.top is not None and self.top.at_risk_pool is None:
                self.error(
                    (*at, "pool"),
                    "a pool credit needs the contract's at_risk_pool",
                    "e.g. at_risk_pool: 10% (of the period fee)",
                )
            if (credit.tiers is None) == (credit.missed is None):
                self.error(
                    (*at, "pool"),
                    "a pool allocation is paid out by 'tiers' or by 'missed', one of them",
                    "e.g. missed: 50% (half the allocation when the objective is missed)",
                )
        if credit.tiers is not None:
            if kind != "met_share":
                self.error(
                    (*at, "tiers"),
                    f"tiers go by attainment, which a {kind} objective does not have",
                    "use tiers with met_share objectives; per_breach or a pool with 'missed' "
                    "otherwise",
                )
            self.check_tiers((*at, "tiers"), credit.tiers)
        if credit.per_point is not None:
            if kind != "met_share":
                self.error(
                    (*at, "per_point"),
                    f"per_point counts points of attainment, which a {kind} objective does not "
                    "have",
                )
            if credit.per_point.money is not None:
                self.check_money((*at, "per_point"), credit.per_point.money)
        if credit.per_breach is not None:
            if kind == "statistic":
                self.error(
                    (*at, "per_breach"),
                    "a statistic objective has no breaches to count",
                    "use a pool with 'missed' for a statistic objective",
                )
            self.check_money((*at, "per_breach"), credit.per_breach)

    def check_tiers(self, at: YamlPath, tiers: Sequence[Tier]) -> None:
        if not tiers:
            self.error(at, "tiers need at least one {below: ..., credit: ...}")
        for n in range(1, len(tiers)):
            before, tier = tiers[n - 1], tiers[n]
            if tier.below == before.below:
                self.error(
                    (*at, n, "below"),
                    f"tiers {n} and {n + 1} overlap: both apply below {_pct(tier.below)}",
                    "give each tier its own threshold",
                )
            elif tier.below > before.below:
                self.error(
                    (*at, n, "below"),
                    f"tier {n + 1} (below {_pct(tier.below)}) comes after tier {n} (below "
                    f"{_pct(before.below)})",
                    "list tiers from the highest threshold down, like a cloud credit table",
                )
            elif tier.credit < before.credit:
                self.error(
                    (*at, n, "credit"),
                    f"tier {n + 1} credits {_pct(tier.credit)}, less than tier {n} "
                    f"({_pct(before.credit)}) for a worse attainment",
                    "a lower attainment earns at least the credit of a higher one",
                )
