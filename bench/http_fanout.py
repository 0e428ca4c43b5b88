"""http_fanout.py - the http_fanout benchmark's Python asyncio side: the
guide's status check (open_connection, write a GET, read the status line,
close) over a list of URLs with at most CONCURRENCY checks at a time.

    python3 bench/http_fanout.py CONCURRENCY URL...   (or URLs on stdin)

Prints one JSON line: {"seconds": wall time of the fan-out, "ok": checks
that got a status line, "errors": the others, "statuses": {code: count}}.
"""
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def status_of(url):
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    reader, writer = await asyncio.open_connection(parts.hostname, port, ssl=tls)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await writer.drain()
        line = await reader.readline()
        return int(line.split()[1])
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def main(concurrency, urls):
    limit = asyncio.Semaphore(concurrency)

    async def one(url):
        async with limit:
            return await status_of(url)

    start = time.perf_counter()
    results = await asyncio.gather(*(one(u) for u in urls), return_exceptions=True)
    seconds = time.perf_counter() - start
    statuses = {}
    errors = 0
    for r in results:
        if isinstance(r, BaseException):
            errors += 1
        else:
            statuses[str(r)] = statuses.get(str(r), 0) + 1
    print(json.dumps({"seconds": seconds, "ok": len(urls) - errors,
                      "errors": errors, "statuses": statuses}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: http_fanout.py CONCURRENCY URL...")
    urls = sys.argv[2:] or [line.strip() for line in sys.stdin if line.strip()]
    asyncio.run(main(int(sys.argv[1]), urls))
