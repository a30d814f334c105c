"""Run the batch engine's command as if pandas were not installed.

pandas is no dependency of Accord (only of the Spark extra and of the benchmarks), and
pyarrow treats it as optional: where it is installed, pyarrow imports it on its first
conversion (``pa.array``, ``to_numpy``) to recognise pandas objects, about 0.14 s of CPU
time on every start of ``accord sla``, for objects the batch engine never hands it. A
process that runs only the batch engine and then ends refuses the import instead, so that
pyarrow takes the path it takes where pandas is absent, the one a base install of Accord
always takes; the records are the same bytes (``tests/cli/test_exit.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

_REFUSED = "pandas"


class _Refuse:
    """A meta path finder that makes ``import pandas`` fail as if it were not installed."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == _REFUSED or name.startswith(_REFUSED + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def leave_pandas_out() -> bool:
    """Refuse ``import pandas`` from now on in this process, unless it is already imported
    (then nothing changes). Whether it is refused."""
    if _REFUSED in sys.modules:
        return False
    if not any(isinstance(f, _Refuse) for f in sys.meta_path):
        sys.meta_path.insert(0, _Refuse())
    return True
