"""The demo: a seeded synthetic helpdesk event log (:mod:`accord.demo.generate`) and the
configuration that goes with it (``config/``: calendars, policies and status names, which
double as the complete configuration example in the docs)."""

from __future__ import annotations

from pathlib import Path

from accord.demo.generate import generate_events

CONFIG_DIR = Path(__file__).resolve().parent / "config"
"""The demo configuration directory (calendars.yaml, policies.yaml, statuses.yaml)."""
CANDIDATE = Path(__file__).resolve().parent / "candidate.yaml"
"""The demo's candidate overrides for the review what-if (docs/review.md, "The demo")."""

__all__ = ["CANDIDATE", "CONFIG_DIR", "generate_events"]
