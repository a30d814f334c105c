"""E-mail through SMTP, with STARTTLS and login when configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from accord.core.alerts.evaluate import Alert
from accord.errors import DeliveryError
from accord.io.notifiers.templates import render


class EmailNotifier:
    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        sender: str,
        to: tuple[str, ...],
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name, self.host, self.port = name, host, port
        self.sender, self.to, self.starttls = sender, to, starttls
        self.username, self.password, self.timeout = username, password, timeout
        # injectable so that a private CA (or a test's own certificate) can be trusted
        self.tls_context = tls_context

    def send(self, alert: Alert) -> None:
        message = render(alert)
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.to)
        mail["X-Accord-Alert"] = alert.key
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    context = self.tls_context or ssl.create_default_context()
                    smtp.starttls(context=context)
                if self.username is not None and self.password is not None:
                    smtp.login(self.username, self.password)
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{self.name}: {self.host}:{self.port}: {exc}") from exc
