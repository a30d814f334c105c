"""The ``contracts:`` configuration section: a valid contract loads; every mistake is reported
at once with its file and line (unknown policies and metrics, bad periods, money that is not an
exact decimal, tiers out of order or overlapping, schemes that do not fit their objective …)."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

from accord.core.config.loader import check_config, check_config_contracts
from accord.errors import ConfigIssue

BASE = """\
calendars:
  C1: {tz: UTC, hours: {daily: [["00:00", "24:00"]]}}
policies:
  - name: Gold
    when: {customer: acme}
    calendar: C1
    metrics: {first_response: 1h, resolution: 8h}
  - name: Silver
    calendar: C1
    metrics: {first_response: 4h}
"""

VALID = """\
contracts:
  acme:
    policies: [Gold, Silver]
    tz: America/Los_Angeles
    period: month
    monthly_fee: "20000.00"
    currency: USD
    at_risk_pool: 10%
    credit_cap: 50%
    earn_back: 2
    objectives:
      p1_first_response:
        metric: first_response
        priority: P1
        met_share: 95%
        credit:
          tiers:
            - {below: 99.99%, credit: 10%}
            - {below: 99%, credit: 30%}
            - {below: 95%, credit: 100%}
      p1_resolution:
        metric: resolution
        priority: [P1]
        max_breaches: 2
        credit: {per_breach: "250.00"}
      median_first_response:
        metric: first_response
        statistic: median
        max: 30m
        credit: {pool: 40%, missed: 50%}
"""


def _setup(tmp_path: Path, contracts: str) -> Path:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "contracts.yaml").write_text(textwrap.dedent(contracts), encoding="utf-8")
    return tmp_path


def _issue(issues: list[ConfigIssue], fragment: str) -> tuple[str, int | None, str]:
    found = [i for i in issues if fragment in i.message]
    assert len(found) == 1, (fragment, [i.render() for i in issues])
    return Path(found[0].file).name, found[0].line, found[0].severity


def test_a_valid_contract_loads_with_its_customer_named_after_it(tmp_path: Path) -> None:
    config, contracts, issues = check_config_contracts(_setup(tmp_path, VALID))
    assert config is not None, [i.render() for i in issues]
    acme = contracts["acme"]
    assert (acme.customer, acme.period, acme.count_by, acme.monthly_fee) == (
        "acme", "month", "completed", Decimal("20000.00"))  # fmt: skip
    assert list(acme.objectives) == ["p1_first_response", "p1_resolution", "median_first_response"]
    fr = acme.objectives["p1_first_response"]
    assert (fr.kind, fr.met_share, fr.priority) == ("met_share", Decimal("0.95"), ("P1",))
    assert fr.credit is not None and fr.credit.tiers is not None
    assert [t.below for t in fr.credit.tiers] == [
        Decimal("0.9999"),
        Decimal("0.99"),
        Decimal("0.95"),
    ]
    assert acme.objectives["median_first_response"].max == 1800
    assert acme.exclude.flag == "field.sla_exclude" and acme.exclude.cancelled


def test_every_mistake_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    text = """\
    contracts:
      acme:
        policies: [Gold, Platinum]
        period: monthly
        monthly_fee: 20000.5
        currency: USD
        objectives:
          fr:
            metric: first_respons
            met_share: 95
      globex:
        policies: [Gold]
        monthly_fee: "100.001"
        currency: USD
        objectives:
          fr:
            metric: first_response
            met_share: 95%
            credit:
              tiers:
                - {below: 95%, credit: 10%}
                - {below: 99%, credit: 30%}
          res:
            metric: resolution
            max_breaches: 2
            credit: {tiers: [{below: 95%, credit: 10%}]}
          both:
            metric: resolution
            max_breaches: 1
            met_share: 90%
          pooled:
            metric: first_response
            met_share: 90%
            credit: {pool: 40%, missed: 50%}
    """
    config, contracts, issues = check_config_contracts(_setup(tmp_path, text))
    assert config is None and contracts == {}
    assert _issue(issues, "unknown policy 'Platinum'") == ("contracts.yaml", 3, "error")
    assert _issue(issues, "'monthly' is not a contract period") == ("contracts.yaml", 4, "error")
    assert _issue(issues, "money must be exact") == ("contracts.yaml", 5, "error")
    assert _issue(issues, "unknown metric 'first_respons'") == ("contracts.yaml", 9, "error")
    assert _issue(issues, "got 95; did you mean '95%'?") == ("contracts.yaml", 10, "error")
    assert _issue(issues, "100.001 has more decimals than USD has (2)") == (
        "contracts.yaml", 13, "error")  # fmt: skip
    assert _issue(issues, "tier 2 (below 99%) comes after tier 1") == (
        "contracts.yaml",
        22,
        "error",
    )
    assert _issue(issues, "tiers go by attainment, which a max_breaches") == (
        "contracts.yaml", 26, "error")  # fmt: skip
    assert _issue(issues, "objective 'both' must be exactly one of") == (
        "contracts.yaml", 27, "error")  # fmt: skip
    assert _issue(issues, "a pool credit needs the contract's at_risk_pool") == (
        "contracts.yaml", 34, "error")  # fmt: skip
    unknown = next(i for i in issues if "first_respons'" in i.message)
    assert unknown.hint == "did you mean 'first_response'?"
    # accord check reports the same problems
    _, plain = check_config(tmp_path)
    assert {i.message for i in plain} == {i.message for i in issues}


def test_tiers_that_overlap_or_credit_less_for_worse(tmp_path: Path) -> None:
    text = """\
    contracts:
      acme:
        policies: Gold
        monthly_fee: 20000
        currency: EUR
        objectives:
          fr:
            metric: first_response
            met_share: 99%
            credit:
              tiers:
                - {below: 99%, credit: 10%}
                - {below: 99%, credit: 20%}
                - {below: 95%, credit: 5%}
    """
    _, _, issues = check_config_contracts(_setup(tmp_path, text))
    assert _issue(issues, "tiers 1 and 2 overlap") == ("contracts.yaml", 13, "error")
    assert _issue(issues, "tier 3 credits 5%, less than tier 2") == ("contracts.yaml", 14, "error")


def test_contract_level_mistakes(tmp_path: Path) -> None:
    text = """\
    contracts:
      acme:
        policies: [Gold]
        period: 30d
        earn_back: 1
        monthly_fee: "10"
        currency: usd
        objectives: {}
      globex:
        customer: acme
        policies: [Gold]
        monthly_fee: "10"
        currency: JPY
        at_risk_pool: 10%
        objectives:
          a: {metric: first_response, met_share: 90%, credit: {pool: 70%, missed: 100%}}
          b: {metric: first_response, max_breaches: 1, credit: {pool: 40%, missed: 100%}}
          c: {metric: resolution, statistic: median, max: 2h, credit: {per_breach: "5"}}
          d: {metric: resolution, statistic: fastest, max: 2h}
    """
    _, _, issues = check_config_contracts(_setup(tmp_path, text))
    assert _issue(issues, "is not an ISO 4217 currency code") == ("contracts.yaml", 7, "error")
    assert _issue(issues, "has no objectives") == ("contracts.yaml", 8, "error")
    assert _issue(issues, "customer 'acme' has two contracts") == ("contracts.yaml", 10, "error")
    assert _issue(issues, "pool allocations add up to 110%") == ("contracts.yaml", 15, "error")
    assert _issue(issues, "a statistic objective has no breaches") == (
        "contracts.yaml",
        18,
        "error",
    )
    assert _issue(issues, "'fastest' is not a statistic") == ("contracts.yaml", 19, "error")


def test_earn_back_needs_calendar_periods(tmp_path: Path) -> None:
    text = """\
    contracts:
      acme:
        policies: [Gold]
        period: 30d
        earn_back: 1
        monthly_fee: "10"
        currency: USD
        objectives: {fr: {metric: first_response, met_share: 90%}}
    """
    _, _, issues = check_config_contracts(_setup(tmp_path, text))
    assert _issue(issues, "earn-back needs calendar periods") == ("contracts.yaml", 5, "error")


def test_a_metric_the_covered_policies_do_not_measure_is_a_warning(tmp_path: Path) -> None:
    text = """\
    contracts:
      acme:
        policies: [Silver]
        monthly_fee: "10"
        currency: USD
        objectives: {res: {metric: resolution, max_breaches: 1}}
    """
    config, contracts, issues = check_config_contracts(_setup(tmp_path, text))
    assert config is not None and "acme" in contracts
    assert _issue(issues, "no policy of this contract measures 'resolution'") == (
        "contracts.yaml", 6, "warning")  # fmt: skip


def test_contracts_merge_across_files_and_a_name_defined_twice_is_an_error(tmp_path: Path) -> None:
    _setup(tmp_path, VALID)
    (tmp_path / "more.yaml").write_text(
        "contracts:\n"
        "  globex:\n"
        "    policies: [Silver]\n"
        '    monthly_fee: "500"\n'
        "    currency: EUR\n"
        "    objectives: {fr: {metric: first_response, met_share: 90%}}\n",
        encoding="utf-8",
    )
    config, contracts, issues = check_config_contracts(tmp_path)
    assert config is not None and set(contracts) == {"acme", "globex"}, issues
    (tmp_path / "twice.yaml").write_text(
        "contracts:\n  acme: {policies: [Gold], monthly_fee: '1', currency: USD, "
        "objectives: {fr: {metric: first_response, met_share: 90%}}}\n",
        encoding="utf-8",
    )
    _, _, issues = check_config_contracts(tmp_path)
    assert _issue(issues, "contract 'acme' is defined twice (first at") == (
        "twice.yaml", 2, "error")  # fmt: skip
