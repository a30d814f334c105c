"""Public holidays from the ``holidays`` package, importing only the countries asked for.

``holidays.country_holidays("US")`` imports the ``holidays.countries`` package, whose
``__init__`` imports the module of every country it knows (about 250): some 50 ms of CPU
time on each start, for one or two countries used. :func:`country_holidays` first puts
that package in place without running its ``__init__``, so that only the asked country's
module is imported; the first attribute anyone asks of the package itself (``from
holidays.countries import X``) runs the ``__init__`` then. The holiday sets are the
package's own: same classes, same arguments.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from holidays import HolidayBase

_PACKAGE = "holidays.countries"
_lock = threading.RLock()  # the package's __init__ may ask for a country in turn


def country_holidays(country: str, **kwargs: Any) -> HolidayBase:
    """``holidays.country_holidays(country, **kwargs)``, importing that country only."""
    _lazy_package(_PACKAGE)
    import holidays

    return holidays.country_holidays(country, **kwargs)


def _lazy_package(name: str) -> None:
    with _lock:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return  # not a package here: the plain import does whatever it does
        package = importlib.util.module_from_spec(spec)
        loader = spec.loader
        ran: list[bool] = []

        def __getattr__(attr: str) -> Any:
            # the package's own __init__, run once, on the first name it does not yet hold
            with _lock:
                if not ran:
                    ran.append(True)
                    loader.exec_module(package)
            try:
                return package.__dict__[attr]
            except KeyError:
                raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

        setattr(package, "__getattr__", __getattr__)  # noqa: B010 (a module's hook)
        sys.modules[name] = package
        parent, _, child = name.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, package)
