"""An SMTP server on 127.0.0.1 for the mail tests (the `relay` fixture is in conftest.py)."""

import asyncio
import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol


class Relay:
    """An SMTP server on 127.0.0.1 that records sessions and messages, can answer 4xx or 5xx, and can take
    `delay` seconds over each recipient (so that a test can kill a sender between two messages)."""

    def __init__(self):
        self.sessions, self.messages, self.answer, self.delay = 0, [], None, 0
        self.in_rcpt = threading.Event()  # set while a recipient is being answered (slowly, with `delay`)
        relay = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if relay.delay:
                    relay.in_rcpt.set()
                    await asyncio.sleep(relay.delay)
                    relay.in_rcpt.clear()
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
