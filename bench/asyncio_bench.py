#!/usr/bin/env python3
"""asyncio_bench.py — the Python asyncio equivalent of corio_bench.c: times one
workload once inside asyncio.run() (after two untimed runs) and prints one JSON
line.

    python3 bench/asyncio_bench.py WORKLOAD N [K]

Same workloads, same N, same structure as the C program (see its comment);
timing with loop.time() around the same part, after the same untimed
warm-up runs (two) at the same N (not for memory). Memory: resident bytes from
/proc/self/statm before and after parking N tasks, per task.
"""
import asyncio
import gc
import json
import os
import sys


def resident_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


async def return_one():
    return 1


async def spawn_join(n, k):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tasks = [asyncio.create_task(return_one()) for _ in range(n)]
    results = await asyncio.gather(*tasks)
    t1 = loop.time()
    if sum(results) != n:
        raise RuntimeError(f"gathered {sum(results)} of {n}")
    return {"seconds": t1 - t0, "ops": n}


async def ping(ev_ping, ev_pong, rounds):
    for _ in range(rounds):
        ev_pong.set()
        await ev_ping.wait()
        ev_ping.clear()


async def pong(ev_ping, ev_pong, rounds):
    for _ in range(rounds):
        await ev_pong.wait()
        ev_pong.clear()
        ev_ping.set()


async def switch(n, k):
    loop = asyncio.get_running_loop()
    ev_ping, ev_pong = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(ping(ev_ping, ev_pong, n)),
             asyncio.create_task(pong(ev_ping, ev_pong, n))]
    t0 = loop.time()
    await asyncio.gather(*tasks)
    t1 = loop.time()
    return {"seconds": t1 - t0, "ops": 2 * n}


async def yielder(k):
    for _ in range(k):
        await asyncio.sleep(0)


async def sleep0(n, k):
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(yielder(k)) for _ in range(n)]
    t0 = loop.time()
    await asyncio.gather(*tasks)
    t1 = loop.time()
    return {"seconds": t1 - t0, "ops": n * k}


async def park_round(n, measure):
    """One round of the memory workload: parks n tasks on one event (reading
    the resident bytes if `measure`), wakes them and waits for them."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    parked = 0

    async def park():
        nonlocal parked
        parked += 1
        await event.wait()
        parked -= 1

    tasks = [None] * n  # allocated before the baseline, as in C
    gc.collect()
    rss0 = resident_bytes()
    t0 = loop.time()
    for i in range(n):
        tasks[i] = asyncio.create_task(park())
    passes = 0
    while parked < n and passes < 1000:
        await asyncio.sleep(0)
        passes += 1
    if parked < n:
        raise RuntimeError(f"only {parked} of {n} tasks parked")
    rss1 = resident_bytes() if measure else None
    event.set()
    await asyncio.gather(*tasks)
    t1 = loop.time()
    per_task = None if rss0 is None or rss1 is None else (rss1 - rss0) / n
    return t1 - t0, per_task


async def memory(n, k):
    # Twice at the same N, as in C: the bytes from the first round (fresh
    # memory), the lifecycle from the second (the steady state).
    first, per_task = await park_round(n, True)
    steady, _ = await park_round(n, False)
    return {"seconds": steady, "first_seconds": first, "ops": n,
            "bytes_per_task": per_task, "parked": n}


QUEUE_MAXSIZE = 10  # as in C


async def produce(q, n):
    for i in range(1, n + 1):
        await q.put(i)


async def consume(q, n):
    total = 0
    for _ in range(n):
        total += await q.get()
    return total


async def queue(n, k):
    loop = asyncio.get_running_loop()
    q = asyncio.Queue(maxsize=QUEUE_MAXSIZE)
    tasks = [asyncio.create_task(produce(q, n)),
             asyncio.create_task(consume(q, n))]
    t0 = loop.time()
    _, total = await asyncio.gather(*tasks)
    t1 = loop.time()
    if total != n * (n + 1) // 2:
        raise RuntimeError(f"consumer summed {total}, expected {n * (n + 1) // 2}")
    return {"seconds": t1 - t0, "ops": n}


def return_one():
    return 1


async def to_thread(n, k):
    """N round trips of asyncio.to_thread, one after the other."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for _ in range(n):
        if await asyncio.to_thread(return_one) != 1:
            raise RuntimeError("the job did not return 1")
    return {"seconds": loop.time() - t0, "ops": n}


async def to_thread_gather(n, k):
    """N asyncio.to_thread calls gathered at once."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    results = await asyncio.gather(*(asyncio.to_thread(return_one)
                                     for _ in range(n)))
    t1 = loop.time()
    if sum(results) != n:
        raise RuntimeError("a job did not return 1")
    return {"seconds": t1 - t0, "ops": n}


WORKLOADS = {"spawn_join": (spawn_join, False), "switch": (switch, False),
             "sleep0": (sleep0, True), "memory": (memory, False),
             "queue": (queue, False), "to_thread": (to_thread, False),
             "to_thread_gather": (to_thread_gather, False)}


async def run(name, n, k):
    """As in C: the timed workloads first run twice untimed at the same N."""
    fn = WORKLOADS[name][0]
    if name != "memory":
        for _ in range(2):
            await fn(n, k)
    return await fn(n, k)


def main(argv):
    if len(argv) < 3 or argv[1] not in WORKLOADS:
        print("usage: asyncio_bench.py WORKLOAD N [K]", file=sys.stderr)
        return 2
    name, n = argv[1], int(argv[2])
    k = int(argv[3]) if len(argv) > 3 else 0
    fn, needs_k = WORKLOADS[name]
    if n <= 0 or (needs_k and k <= 0):
        print("usage: asyncio_bench.py WORKLOAD N [K]", file=sys.stderr)
        return 2
    line = {"workload": name, "impl": "python-asyncio", "n": n}
    if k > 0:
        line["k"] = k
    try:
        r = asyncio.run(run(name, n, k))
    except Exception as e:  # reported as a JSON line, like the C program
        line["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(line), flush=True)
        return 1
    ns = r["seconds"] * 1e9 / r["ops"]
    if name == "memory":
        line.update(ns_per_op=None, bytes_per_task=r["bytes_per_task"],
                    lifecycle_ns_per_task=ns,
                    first_lifecycle_ns_per_task=r["first_seconds"] * 1e9
                    / r["ops"],
                    parked=r["parked"])
    else:
        line.update(ns_per_op=ns, bytes_per_task=None)
    line.update(ops=r["ops"], seconds=r["seconds"],
                backend=f"CPython {sys.version.split()[0]} "
                        f"{asyncio.get_event_loop_policy().__class__.__name__}")
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
