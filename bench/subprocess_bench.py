"""subprocess_bench.py — the python-asyncio side of the subprocess
benchmarks (bench/subprocess.mjs runs it): the same workloads as
subprocess_bench.c, with asyncio.create_subprocess_exec, one JSON line.

  python3 bench/subprocess_bench.py subprocess N           /bin/true, N times in turn
  python3 bench/subprocess_bench.py subprocess_parallel N  N "sleep 0.2" gathered
"""
import asyncio
import json
import sys

WARMUP = 20  # untimed children before the sequential workload's timed ones


async def run_child(*argv):
    proc = await asyncio.create_subprocess_exec(*argv)
    code = await proc.wait()
    if code != 0:
        raise RuntimeError(f"{argv[0]} exited with {code}")


async def sequential(n):
    for _ in range(n):
        await run_child("/bin/true")


async def main(workload, n):
    loop = asyncio.get_running_loop()
    if workload == "subprocess":
        await sequential(WARMUP)
        t0 = loop.time()
        await sequential(n)
    else:
        t0 = loop.time()
        await asyncio.gather(*(run_child("sleep", "0.2") for _ in range(n)))
    return loop.time() - t0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("subprocess", "subprocess_parallel"):
        sys.exit("usage: subprocess_bench.py subprocess|subprocess_parallel N")
    workload, n = sys.argv[1], int(sys.argv[2])
    seconds = asyncio.run(main(workload, n))
    print(json.dumps({"workload": workload, "impl": "python-asyncio", "n": n,
                      "seconds": round(seconds, 6), "ns_per_op": round(seconds * 1e9 / n, 1)}))
