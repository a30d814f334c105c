"""Configuration versions as the service keeps them: uploaded YAML files, checked with the same
loader as ``accord check`` (every problem, with file and line), stored as numbered versions
with an effective instant.

The configuration in force at an instant is the highest-numbered version whose
``effective_from`` has come; an upload may name a future instant to take effect later.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from accord.core.config.loader import check_config
from accord.core.config.resolved import Configuration
from accord.core.timeutil import Instant
from accord.errors import ConfigError, ConfigIssue
from accord.io.store import ConfigVersion, Store

FILE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*\\.ya?ml$"
_NAME_RE = re.compile(FILE_NAME_PATTERN)
MAX_FILES = 100


def check_files(files: Mapping[str, str]) -> tuple[Configuration | None, list[ConfigIssue]]:
    """Check a configuration given as file name -> YAML text.

    The files are checked exactly as a directory of them would be (``accord check DIR``), and
    every issue names the file as uploaded.
    """
    issues: list[ConfigIssue] = []
    if not files:
        issues.append(ConfigIssue("<upload>", None, "no files: upload at least one YAML file"))
    if len(files) > MAX_FILES:
        issues.append(ConfigIssue("<upload>", None, f"at most {MAX_FILES} files per upload"))
    for name in files:
        if not _NAME_RE.fullmatch(name):
            issues.append(
                ConfigIssue(
                    name,
                    None,
                    "not a valid configuration file name",
                    "use a plain file name ending in .yaml or .yml, such as policies.yaml",
                )
            )
    if issues:
        return None, issues
    with tempfile.TemporaryDirectory(prefix="accord-config-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        config, found = check_config(root)
    prefix = str(root) + "/"
    renamed = [
        replace(i, file=i.file[len(prefix) :])
        if i.file.startswith(prefix)
        else replace(i, file="<upload>")  # the temporary directory itself names no file
        if i.file == str(root)
        else i
        for i in found
    ]
    if config is not None:
        config = replace(config, issues=tuple(renamed))
    return config, renamed


def build_files(files: Mapping[str, str]) -> Configuration:
    """:func:`check_files`, raising :class:`ConfigError` with every problem."""
    config, issues = check_files(files)
    if config is None:
        raise ConfigError(issues)
    return config


def read_dir(path: Path) -> dict[str, str]:
    """The YAML files of a configuration directory (or one file) as name -> text."""
    paths = [path] if path.is_file() else sorted(path.iterdir())
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in paths
        if p.is_file() and p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".")
    }


class ConfigState:
    """The stored versions and their built configurations, cached in memory."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._versions: list[ConfigVersion] = store.config_versions()
        self._built: dict[int, Configuration] = {}

    def versions(self) -> list[ConfigVersion]:
        with self._lock:
            return list(self._versions)

    def current(self, now: Instant) -> tuple[ConfigVersion, Configuration] | None:
        """The version in force at ``now`` and its configuration (``None``: nothing uploaded
        or nothing in force yet)."""
        with self._lock:
            live = [v for v in self._versions if v.effective_from <= now]
            if not live:
                return None
            version = max(live, key=lambda v: v.version)
            config = self._built.get(version.version)
            if config is None:
                # stored versions were valid when uploaded; a loader that grew stricter since
                # still gets to say what is wrong, as a ConfigError
                config = build_files(version.files)
                self._built[version.version] = config
            return version, config

    def add(
        self, files: Mapping[str, str], *, effective_from: Instant, uploaded_at: Instant
    ) -> tuple[ConfigVersion, Configuration]:
        """Check ``files`` (raising :class:`ConfigError` with every problem) and store them as
        the next version."""
        config = build_files(files)
        version = self._store.add_config_version(
            files, effective_from=effective_from, uploaded_at=uploaded_at
        )
        with self._lock:
            self._versions.append(version)
            self._built[version.version] = config
        return version, config

    def seed(self, path: Path, *, now: Instant) -> ConfigVersion | None:
        """Store the configuration in ``path`` as a new version effective now, unless it is
        the same text as the latest version (so restarting with ``--config`` is a no-op)."""
        files = read_dir(path) if path.exists() else {}
        if not files:
            raise ConfigError([ConfigIssue(str(path), None, "no YAML files to load")])
        with self._lock:
            latest = self._versions[-1] if self._versions else None
        if latest is not None and dict(latest.files) == files:
            return None
        version, _ = self.add(files, effective_from=now, uploaded_at=now)
        return version
