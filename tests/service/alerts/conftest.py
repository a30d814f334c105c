"""The real local receivers of the notifier tests (an HTTP server, an SMTP server with
STARTTLS and login), for the service's alert tests."""

from tests.io.notifiers.conftest import certificate, http_receiver, smtp_receiver

__all__ = ["certificate", "http_receiver", "smtp_receiver"]
