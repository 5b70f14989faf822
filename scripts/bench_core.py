"""Throughput, enqueue rate, idle latency and idle Redis traffic: leadq vs bare Dramatiq.

Both stacks run on the same private Redis in one run, with the same process
and thread counts, and the script prints ratios (machines are noisy: compare
within a run, not across runs).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

from leadq.core.vocabulary import QUEUES

HERE = Path(__file__).resolve().parent
PROCESSES, THREADS = 2, 8
JOBS = int(os.environ.get("BENCH_JOBS", "20000"))
ENQUEUE = int(os.environ.get("BENCH_ENQUEUE", "20000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "15"))


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def stack_env(stack: str, url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADQ_")}
    env.update(
        BENCH_STACK=stack,
        BENCH_REDIS_URL=url,
        PYTHONPATH=str(HERE),
        LEADQ_REDIS_URL=url,
        LEADQ_NAMESPACE="bench-leadq",
        LEADQ_DATA_DIR=str(workdir / "data"),
        LEADQ_ACTOR_MODULES=json.dumps(["bench_actors"]),
        LEADQ_LOG_LEVEL="WARNING",
    )
    return env


def start_workers(stack: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    if stack == "bare":
        command = [
            sys.executable,
            "-m",
            "dramatiq",
            "bench_actors:bare_broker",
            "bench_actors",
            "--processes",
            str(PROCESSES),
            "--threads",
            str(THREADS),
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "leadq",
            "worker",
            "--processes",
            str(PROCESSES),
            "--threads",
            str(THREADS),
        ]
    return subprocess.Popen(
        command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def waiting(client: redis.Redis, stack: str) -> int:
    """Messages not yet acked (Dramatiq deletes a message's data on ack)."""
    key = "bench-bare:default.msgs" if stack == "bare" else "bench-leadq:maintenance.msgs"
    return client.hlen(key)


def wait_idle(client: redis.Redis, stack: str, workers: int) -> None:
    key = f"bench-{'bare' if stack == 'bare' else 'leadq'}:__heartbeats__"
    while client.zcard(key) < workers:
        time.sleep(0.1)
    time.sleep(1.0)


def throughput(stack: str, url: str, workdir: Path, env: dict[str, str]) -> float:
    """Jobs/s on a prefilled queue, timed from the first ack to the last."""
    client = redis.Redis.from_url(url)
    prefill(stack, env, JOBS)
    workers = start_workers(stack, env, workdir / f"{stack}-throughput.log")
    try:
        while waiting(client, stack) == JOBS:
            time.sleep(0.001)
        t0, left0 = time.perf_counter(), waiting(client, stack)
        while waiting(client, stack):
            time.sleep(0.005)
        return left0 / (time.perf_counter() - t0)
    finally:
        stop(workers)


def prefill(stack: str, env: dict[str, str], count: int) -> None:
    code = (
        "import bench_actors as b\n"
        f"n={count}\n"
        "if b.STACK == 'bare':\n"
        "    p = b.bare_broker.client.pipeline(transaction=False)\n"
        "    for _ in range(n):\n"
        "        m = b.noop.message().copy(options={'redis_message_id': __import__('uuid').uuid4().hex})\n"
        "        p.hset('bench-bare:default.msgs', m.options['redis_message_id'], m.encode())\n"
        "        p.rpush('bench-bare:default', m.options['redis_message_id'])\n"
        "    p.execute()\n"
        "else:\n"
        "    from leadq.core.broker import setup_broker\n"
        "    from leadq.core.enqueue import send_many\n"
        "    setup_broker()\n"
        "    for i in range(0, n, 1000):\n"
        "        send_many(b.noop, [()] * min(1000, n - i))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def enqueue_rate(env: dict[str, str]) -> tuple[float, float, float]:
    """Dramatiq's send, one message per call, vs leadq's send_many with
    delays, unique keys and job history, in batches of 500: when the calls
    return, and when the history rows are written too.

    Each stack first sends one untimed batch, so connecting, loading scripts
    and (leadq) checking the schema stay out of the steady-state rate."""
    code = (
        "import os, time, bench_actors as b\n"
        f"n={ENQUEUE}\n"
        "run = os.urandom(4).hex()  # fresh unique keys on every run\n"
        "if b.STACK == 'bare':\n"
        "    def batch(i):\n"
        "        for j in range(500): b.noop.send_with_options(delay=60000 if j % 10 == 0 else None)\n"
        "else:\n"
        "    from leadq.core.broker import setup_broker\n"
        "    from leadq.core.enqueue import send_many\n"
        "    setup_broker()\n"
        "    def batch(i):\n"
        "        send_many(b.noop, [()] * 450, unique_keys=[f'{run}-{i}-{j}' for j in range(450)])\n"
        "        send_many(b.noop, [()] * 50, delay=60)\n"
        "    history = current_runtime().history\n"
        "batch(-500)\n"
        "if b.STACK != 'bare': history.flush()\n"
        "t=time.perf_counter()\n"
        "for i in range(0, n, 500): batch(i)\n"
        "print(n / (time.perf_counter() - t))\n"
        "if b.STACK != 'bare':\n"
        "    history.flush()\n"
        "    print(n / (time.perf_counter() - t))\n"
    )
    rates = []
    for stack in ("bare", "leadq"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "BENCH_STACK": stack},
            check=True,
            capture_output=True,
            text=True,
        )
        rates += [float(line) for line in done.stdout.split()]
    return rates[0], rates[1], rates[2]


def idle_latency(stack: str, url: str, workdir: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """p50/p99 ms from send to start on an idle worker, and idle commands/s per worker process."""
    client = redis.Redis.from_url(url)
    workers = start_workers(stack, env, workdir / f"{stack}-latency.log")
    try:
        wait_idle(client, stack, PROCESSES)
        commands = idle_commands(url, seconds=5) / PROCESSES
        code = (
            "import time, bench_actors as b, random\n"
            "if b.STACK != 'bare':\n"
            "    from leadq.core.broker import setup_broker\n"
            "    from leadq.core.enqueue import send\n"
            "    setup_broker()\n"
            f"for _ in range({SAMPLES}):\n"
            "    time.sleep(2 + random.random())\n"
            "    (b.stamp.send(time.time()) if b.STACK == 'bare' else send(b.stamp, time.time()))\n"
        )
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        key = f"bench:{stack}:latency"
        while client.llen(key) < SAMPLES:
            time.sleep(0.1)
        samples = sorted(float(x) * 1000 for x in client.lrange(key, 0, -1))
        p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
        return statistics.median(samples), p99, commands
    finally:
        stop(workers)


def idle_commands(url: str, seconds: float) -> float:
    """Top-level commands per second seen by MONITOR (not those run inside scripts)."""
    count = 0
    client = redis.Redis.from_url(url)
    stop_at = time.monotonic() + seconds
    done = threading.Event()
    with client.monitor() as monitor:
        for line in monitor.listen():
            if time.monotonic() > stop_at:
                break
            if "[lua]" not in line.get("client_type", "") and line.get("client_address") != "lua":
                count += 1
    done.set()
    return count / seconds


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="leadq-bench-"))
    server, url = start_redis(workdir)
    try:
        print(
            f"bench-core: {PROCESSES} processes x {THREADS} threads, {JOBS} no-op jobs, private Redis {url}"
        )
        results = {}
        for stack in ("bare", "leadq"):
            env = stack_env(stack, url, workdir)
            results[stack] = {"throughput": throughput(stack, url, workdir, env)}
            results[stack]["p50"], results[stack]["p99"], results[stack]["idle_cmds"] = idle_latency(
                stack, url, workdir, env
            )
        bare_send, leadq_send, leadq_durable = enqueue_rate(stack_env("leadq", url, workdir))
        bare, lq = results["bare"], results["leadq"]
        print(f"{'':28}{'bare dramatiq':>16}{'leadq':>12}{'ratio':>9}")
        print(
            f"{'no-op jobs/s':28}{bare['throughput']:>16.0f}{lq['throughput']:>12.0f}"
            f"{lq['throughput'] / bare['throughput']:>8.2f}x   (target >= 0.8x)"
        )
        print(
            f"{'enqueue msgs/s':28}{bare_send:>16.0f}{leadq_send:>12.0f}{leadq_send / bare_send:>8.2f}x"
            "   (target >= 4x; leadq with unique keys, delays, history)"
        )
        durable_ratio = leadq_durable / bare_send
        print(f"{'  ... history rows written':28}{'':>16}{leadq_durable:>12.0f}{durable_ratio:>8.2f}x")
        print(f"{'idle latency p50 ms':28}{bare['p50']:>16.1f}{lq['p50']:>12.1f}   (target < 5 ms)")
        print(f"{'idle latency p99 ms':28}{bare['p99']:>16.1f}{lq['p99']:>12.1f}   (target < 20 ms)")
        print(f"{'idle Redis cmds/s/process':28}{bare['idle_cmds']:>16.1f}{lq['idle_cmds']:>12.1f}")
        # Bare Dramatiq's workers consume one queue here, leadq's every domain queue.
        print(
            f"{'  ... per queue consumed':28}{bare['idle_cmds']:>16.1f}{lq['idle_cmds'] / len(QUEUES):>12.1f}"
            f"   ({len(QUEUES)} leadq queues, 1 bare)"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
