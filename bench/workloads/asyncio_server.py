"""Benchmark workload: an asyncio TCP server on 127.0.0.1 under a local load of 20 client
connections in the same event loop, each sending line requests; the server renders each reply
with a little CPU work. Ground truth: the share of the time spent in render. Usage:
asyncio_server.py SECONDS."""
import asyncio
import sys

from _report import Phases, clock, report

CLIENTS = 20


def render(n):
    return ",".join(str(i * i) for i in range(n)).encode() + b"\n"


async def handle(reader, writer, phases):
    while line := await reader.readline():
        t0 = clock()
        reply = render(int(line))
        phases.add("render", clock() - t0)
        writer.write(reply)
        await writer.drain()
    writer.close()


async def client(port, requests):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(requests):
        writer.write(b"300\n")
        await writer.drain()
        await reader.readline()
    writer.close()


async def serve_and_load(requests, phases):
    server = await asyncio.start_server(lambda r, w: handle(r, w, phases), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    await asyncio.gather(*(client(port, requests) for _ in range(CLIENTS)))
    server.close()


def main(requests, phases):
    asyncio.run(serve_and_load(requests, phases))


if __name__ == "__main__":
    requests = int(float(sys.argv[1]) * 780)
    phases = Phases()
    start = clock()
    main(requests, phases)
    wall = clock() - start
    report("main", wall, phases.seconds, wall)
