"""The outside check of the service's hardening (issue 19): a real ``accord serve`` process
probed over HTTP for customer leaks, answers to hostile inputs, webhook attacks and events lost
to a SIGKILL. ``bench/probe_hardening.py`` runs it; ``tests/service/process/test_probe.py``
runs a reduced one."""
