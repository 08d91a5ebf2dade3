#!/usr/bin/python3
"""A WAN-shaped link on loopback for bench.py's B6: an FTP-aware relay that delays every byte and shares one
up-link among all connections. The kernels this project runs on have no netem (tc qdisc ... netem fails), so
the delay and the bottleneck are made here, in user space.

    python3 integration-tests/bench/wan.py --listen-port P --server-port S --rtt-ms 40 --up-mbit 20

listens on 127.0.0.1:P and relays FTP control connections to the server at 127.0.0.1:S. Each passive reply,
227 (PASV) or 229 (EPSV), is rewritten to a port of the relay's own that relays that one data connection to the
port the server named, so data connections take the same link as the control connection. The link:
  - every byte, either way, arrives rtt/2 after it left; a new connection carries its first byte 1.5 rtt after
    the client connected (TCP's handshake: SYN there, SYN-ACK back, then the first segment), and the server
    sees it then;
  - the client->server direction of all connections together (control and data) goes through one FIFO
    serializer of --up-mbit (SI: 20 Mbit/s = 2,500,000 bytes/s): a single shared pipe, as a real up-link is;
    counted in TCP payload bytes, without the headers a real link also carries (about 3%);
    server->client is not limited;
  - each direction of each connection buffers at most --queue-kib; past that the relay stops reading from
    its source, so the sender feels backpressure as behind a real bottleneck with a buffer;
  - an end of stream (FIN) is forwarded after the data queued before it, as a half-close, and a connection is
    closed once both directions have ended.
What it does not model: loss, and TCP's congestion window (a real new connection starts slow; here only the
handshake's round trip is paid).

Imported, Link runs the relay in a process of its own (its timers are not held up by the caller's threads)
and returns its counters; the functions below it read them. Stopped by Ctrl-C or SIGTERM; standalone it
prints a summary then (and each rewritten passive reply with --verbose).
"""
import argparse, asyncio, collections, json, os, re, select, signal, subprocess, sys, time

PASV = re.compile(rb"(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})")
EPSV = re.compile(rb"\((.)\1\1(\d{1,5})\1\)")
EOF = None  # queued after the last bytes of a direction
SAMPLE_S = 0.1


class Serializer:
    """The shared up-link: each chunk is given the next free slot of the link (FIFO across connections) and
    leaves when its last byte has gone out. A reader may run ahead by `burst` bytes, so timer jitter never
    leaves the link idle while there is something to send; an idle link saves up no credit."""

    def __init__(self, rate, burst):
        self.rate, self.lead, self.free_at = rate, burst / rate, 0.0

    async def take(self, n):
        now = time.monotonic()
        start = max(self.free_at, now)
        self.free_at = start + n / self.rate
        wait = self.free_at - self.lead - now
        if wait > 0:
            await asyncio.sleep(wait)
        return start, self.free_at


class Direction:
    """One direction of one connection: a queue of (due time, bytes), read into by read_loop and written
    out by write_loop when each chunk is due."""

    def __init__(self, conn, src, up, rewrite=None):
        self.conn, self.src, self.up, self.rewrite = conn, src, up, rewrite
        self.dst = None
        self.queue, self.queued = collections.deque(), 0
        self.nonempty, self.room = asyncio.Event(), asyncio.Event()
        self.partial = b""  # a reply line not complete yet (control connections, server->client)
        self.reader = None

    def push(self, due, data):
        self.queue.append((due, data))
        self.queued += len(data) if data else 0
        self.nonempty.set()

    async def read_loop(self):
        relay = self.conn.relay
        chunk = relay.burst if self.up else 65536  # up: the serializer's granularity
        while True:
            while self.queued >= relay.queue_bytes:
                self.room.clear()
                await self.room.wait()
            try:
                data = await self.src.read(chunk)
            except OSError:  # a reset ends this direction as an end of stream would
                data = b""
            if not data:
                if self.partial:
                    self.push(time.monotonic() + relay.delay, self.partial)
                self.push(time.monotonic() + relay.delay, EOF)
                return
            if self.rewrite:
                data = await self.rewrite(self, data)
                if not data:
                    continue
            if self.up:
                start, left = await relay.link.take(len(data))
                relay.sent_up(self.conn, start, left, len(data))
            else:
                left = time.monotonic()
                relay.down_bytes += len(data)
            # no byte reaches the server before the handshake would have let it
            self.push(max(left + relay.delay, self.conn.open_at), data)

    async def write_loop(self):
        try:
            while True:
                while not self.queue:
                    self.nonempty.clear()
                    await self.nonempty.wait()
                due, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.queue.popleft()
                if data is EOF:
                    if self.dst.can_write_eof():
                        self.dst.write_eof()  # half-close: the other direction goes on
                    return
                self.dst.write(data)
                await self.dst.drain()
                self.queued -= len(data)
                self.room.set()
        except OSError:  # the destination is gone: what is queued for it is dropped
            if self.reader:
                self.reader.cancel()


class Conn:
    """One relayed connection: control (its replies rewritten) or data (to one passive port)."""

    def __init__(self, relay, reader, writer, host, port, control):
        self.relay, self.creader, self.cwriter, self.host, self.port = relay, reader, writer, host, port
        self.control = control
        self.opened = time.monotonic()
        self.open_at = self.opened + 1.5 * relay.rtt
        self.first = self.last = None
        self.up = 0
        self.passive = None  # control: the relay's listener for the last passive reply

    async def run(self):
        up = Direction(self, self.creader, True)
        up.reader = asyncio.create_task(up.read_loop())
        tasks, swriter = [up.reader], None
        try:
            await asyncio.sleep(max(0.0, self.open_at - time.monotonic()))
            try:
                sreader, swriter = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 10)
            except (OSError, asyncio.TimeoutError):
                return
            down = Direction(self, sreader, False, self.rewrite_replies if self.control else None)
            up.dst, down.dst = swriter, self.cwriter
            down.reader = asyncio.create_task(down.read_loop())
            writers = [asyncio.create_task(up.write_loop()), asyncio.create_task(down.write_loop())]
            tasks += [down.reader, *writers]
            await asyncio.gather(*writers)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (self.cwriter, swriter):
                if writer:
                    writer.close()
            if self.passive:
                self.passive.close()
            if not self.control:
                self.relay.data.append([round(self.opened, 4), self.first and round(self.first, 4),
                                        self.last and round(self.last, 4), self.up])

    async def rewrite_replies(self, direction, data):
        data = direction.partial + data
        end = data.rfind(b"\n") + 1
        direction.partial = data[end:]
        lines = data[:end].splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.startswith(b"227 ") and (m := PASV.search(line)):
                host = ".".join(m.group(n).decode() for n in range(1, 5))
                port = await self.listen(host, int(m.group(5)) * 256 + int(m.group(6)), "PASV")
                lines[i] = line[:m.start()] + b"127,0,0,1,%d,%d" % (port >> 8, port & 255) + line[m.end():]
            elif line.startswith(b"229 ") and (m := EPSV.search(line)):
                port = await self.listen(self.host, int(m.group(2)), "EPSV")
                lines[i] = line[:m.start(2)] + b"%d" % port + line[m.end(2):]
        return b"".join(lines)

    async def listen(self, host, port, kind):
        """A port of the relay's for one data connection to host:port; it replaces the last one, as the
        server's own passive port does."""
        relay = self.relay

        async def accepted(reader, writer):
            server.close()  # one connection per passive reply
            await quietly(Conn(relay, reader, writer, host, port, False).run())

        if self.passive:
            self.passive.close()
        server = self.passive = await asyncio.start_server(accepted, "127.0.0.1", 0, backlog=4)
        own = server.sockets[0].getsockname()[1]
        relay.passive[kind] += 1
        if relay.verbose:
            print(f"{kind} {host}:{port} -> 127.0.0.1:{own}", file=sys.stderr, flush=True)
        return own


async def quietly(run):
    """A connection's handler, which the relay's end cancels: not an error to report."""
    try:
        await run
    except asyncio.CancelledError:
        pass


class Relay:
    def __init__(self, server_port, listen_port=0, rtt_ms=40, up_mbit=20, queue_kib=256, burst_kib=16,
                 server_host="127.0.0.1", verbose=False):
        self.server_host, self.server_port, self.listen_port = server_host, server_port, listen_port
        self.rtt, self.delay = rtt_ms / 1000, rtt_ms / 2000
        self.rate = up_mbit * 1e6 / 8
        self.burst, self.queue_bytes = burst_kib << 10, queue_kib << 10
        self.link = Serializer(self.rate, self.burst)
        self.verbose = verbose
        self.up_bytes = self.down_bytes = 0
        self.samples = []  # (time, up bytes so far), every SAMPLE_S
        self.data = []  # per finished data connection: opened, first and last up byte left the link, up bytes
        self.passive = {"PASV": 0, "EPSV": 0}
        self.connections = 0

    async def start(self):
        self.server = await asyncio.start_server(self.accepted, "127.0.0.1", self.listen_port)
        self.port = self.server.sockets[0].getsockname()[1]
        self.sampler = asyncio.create_task(self.sample())
        return self.port

    async def accepted(self, reader, writer):
        self.connections += 1
        await quietly(Conn(self, reader, writer, self.server_host, self.server_port, True).run())

    async def sample(self):
        while True:
            self.samples.append((round(time.monotonic(), 4), self.up_bytes))
            await asyncio.sleep(SAMPLE_S)

    def sent_up(self, conn, start, left, n):
        self.up_bytes += n
        conn.up += n
        if conn.first is None:
            conn.first = start
        conn.last = left

    def stats(self):
        t = os.times()
        return {"port": self.port, "rtt_ms": self.rtt * 1000, "up_rate": self.rate, "up_bytes": self.up_bytes,
                "down_bytes": self.down_bytes, "connections": self.connections, "passive": self.passive,
                "samples": self.samples + [(round(time.monotonic(), 4), self.up_bytes)], "data": self.data,
                "cpu_s": round(t.user + t.system, 3)}


class Link:
    """The relay in a process of its own, told what to do on its standard input (one command a line) and
    answering on its standard output (one JSON line). It ends when its standard input closes, so it does not
    outlive the bench."""

    def __init__(self, server_port, rtt_ms=40, up_mbit=20, **options):
        args = [sys.executable, os.path.abspath(__file__), "--control", "--server-port", str(server_port),
                "--rtt-ms", str(rtt_ms), "--up-mbit", str(up_mbit)]
        for key, value in options.items():  # e.g. queue_kib=64, verbose=True
            flag = "--" + key.replace("_", "-")
            args += ([flag] if value else []) if isinstance(value, bool) else [flag, str(value)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buffer = b""
        self.port = self.answer(10)["port"]

    def answer(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise TimeoutError("the WAN relay did not answer")
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise EOFError("the WAN relay ended (exit %s)" % self.proc.poll())
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def stats(self):
        self.proc.stdin.write(b"stats\n")
        self.proc.stdin.flush()
        return self.answer(30)

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def up_bytes_between(stats, a, b):
    """Bytes that left on the up-link between times a and b, from the samples (linear in between)."""
    samples = stats["samples"]

    def at(t):
        for (t0, n0), (t1, n1) in zip(samples, samples[1:]):
            if t0 <= t <= t1:
                return n0 + (n1 - n0) * (t - t0) / (t1 - t0) if t1 > t0 else n1
        return samples[0][1] if t < samples[0][0] else samples[-1][1]

    return at(b) - at(a)


def utilisation(stats, intervals):
    """How busy the up-link was over the union of the intervals: bytes sent / what the link could carry."""
    merged = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    length = sum(b - a for a, b in merged)
    if length <= 0:
        return float("nan")
    return sum(up_bytes_between(stats, a, b) for a, b in merged) / (stats["up_rate"] * length)


def transfers(stats, min_bytes=1):
    """The data connections that carried at least min_bytes up: (first byte, last byte, bytes)."""
    return [(first, last, up) for _, first, last, up in stats["data"] if up >= min_bytes]


async def serve(args):
    relay = Relay(args.server_port, args.listen_port, args.rtt_ms, args.up_mbit, args.queue_kib, args.burst_kib,
                  args.server_host, args.verbose)
    port = await relay.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.control:
        print(json.dumps({"port": port}), flush=True)
        commands = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)

        async def answer():
            while line := await commands.readline():
                if line.strip() == b"stats":
                    sys.stdout.write(json.dumps(relay.stats()) + "\n")
                    sys.stdout.flush()
            stop.set()

        asyncio.create_task(answer())
    else:
        print(f"relaying 127.0.0.1:{port} -> {args.server_host}:{args.server_port}, rtt {args.rtt_ms} ms, "
              f"up {args.up_mbit} Mbit/s", file=sys.stderr, flush=True)
    await stop.wait()
    if not args.control:
        s = relay.stats()
        print(f"up {s['up_bytes']} bytes, down {s['down_bytes']} bytes, {s['connections']} control and "
              f"{len(s['data'])} data connections ({s['passive']}), relay CPU {s['cpu_s']} s",
              file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen-port", type=int, default=0, help="0: any free port (printed)")
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--server-host", default="127.0.0.1")
    ap.add_argument("--rtt-ms", type=float, default=40)
    ap.add_argument("--up-mbit", type=float, default=20)
    ap.add_argument("--queue-kib", type=int, default=256, help="per direction of each connection")
    ap.add_argument("--burst-kib", type=int, default=16)
    ap.add_argument("--verbose", action="store_true", help="print each rewritten passive reply")
    ap.add_argument("--control", action="store_true", help="for Link: JSON on stdout, commands on stdin")
    asyncio.run(serve(ap.parse_args()))


if __name__ == "__main__":
    main()
