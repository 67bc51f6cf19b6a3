"""An SMTP server on 127.0.0.1 for the mail tests (the `relay` fixture is in conftest.py)."""

import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol


class Relay:
    """An SMTP server on 127.0.0.1 that records sessions and messages, and can answer 4xx or 5xx."""

    def __init__(self):
        self.sessions, self.messages, self.answer = 0, [], None
        relay = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if relay.answer:
                    return relay.answer
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                relay.messages.append(list(envelope.rcpt_tos))
                return "250 Message accepted"

        class CountingSMTP(SMTPProtocol):
            def connection_made(self, transport):
                relay.sessions += 1
                super().connection_made(transport)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.factory = lambda: CountingSMTP(self.controller.handler)
