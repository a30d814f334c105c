"""Contracts: compliance per period, error budgets, burn, forecasts and service credits.

The modules are imported one by one (``accord.core.contracts.statement`` and so on): the
configuration schemas import :mod:`accord.core.contracts.models`, and a package that imported
everything here would pull the engines into every configuration load.
"""
