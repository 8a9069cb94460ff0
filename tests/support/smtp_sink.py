"""A real SMTP server for the mail tests (aiosmtpd, from PyPI): every accepted message is
written to a file in OUT_DIR; the first FAILS messages are answered 451 (try again later).

    python3 smtp_sink.py PORT OUT_DIR FAILS
"""
import asyncio
import pathlib
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, fails):
        self.out = pathlib.Path(out)
        self.fails = fails
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fails > 0:
            self.fails -= 1
            return "451 4.3.0 Try again later"
        self.count += 1
        name = self.out / f"{self.count:04d}.eml"
        name.with_suffix(".tmp").write_bytes(envelope.original_content)
        name.with_suffix(".tmp").rename(name)
        return "250 2.0.0 OK: queued"


async def main():
    port, out, fails = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    controller = Controller(Sink(out, fails), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
