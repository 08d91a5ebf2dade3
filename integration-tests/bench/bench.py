#!/usr/bin/python3
"""The edgesync benchmark (issue 6): edgesync against the tools a site would otherwise combine, measured
in the same run on this machine, over loopback. Not a test: it asserts nothing and prints figures.

    export JAVA_HOME=$(src/build/jdk-home) && ./mvnw -q -B package -DskipTests
    python3 integration-tests/bench/bench.py            # 3 runs per case (about 5 minutes)
    python3 integration-tests/bench/bench.py --quick    # 1 run, smaller sizes (about 2 minutes)
    python3 integration-tests/bench/bench.py --cases B6 # the WAN-shaped link alone (about 17 minutes; --runs 1: 6)

EDGESYNC_BENCH_JAVA_OPTS adds JVM flags to the agent's ({name} is the agent's name), e.g.
"-XX:StartFlightRecording=filename=/tmp/{name}.jfr,settings=profile" to profile a case with JFR.
EDGESYNC_BENCH_JAR runs another build of the agent than agent/target/edgesync-agent.jar (its lib/ folder
must be beside it), e.g. a copy that a rebuild in progress cannot take away.
EDGESYNC_BENCH_DIR moves the peers' and agents' files from /tmp/edgesync-bench (it must be on a disk, not
tmpfs, and readable by edgesync-up); both sides always share it. On this project's CI-class machine
creating a file under /tmp took 0.85 ms and 10 us under /work (ext4 without a journal skips every inode freed
in the last minute, and the tests delete thousands under /tmp; see discard() and settle() for how each run
gets the same conditions).

Run from the repository root, as root (vsftpd serves the local user edgesync-up, as in .ci/run). Needs
vsftpd, curl, lftp, rclone. Writes integration-tests/target/bench/results.md and prints it; each agent's log is kept beside it.

Cases (each a median over the runs, with min-max):
  B1 ingest, large: one file with curl -T into edgesync (durable: fsync + ledger) vs into vsftpd.
  B2 ingest, many small: 2,000 x 4 KiB in 20 folders with lftp mirror -R --parallel=8, edgesync vs vsftpd.
  B3 sync backlog: 2,000 x 4 KiB + 4 x 256 MiB already in the spool, pushed to vsftpd by edgesync (warmed
     by delivering 5,000 files first, as an agent running before an outage is; then paused while the backlog
     is made, resumed and timed until none is owed) vs lftp mirror -R --parallel=N
     and rclone copy --transfers N of the same tree to the same vsftpd (N = the agent's workers).
  B4 end-to-end latency: a device stores 64 KiB files at 20 files/s; time from each 226 to the file's final
     name upstream (vsftpd): p50, p99, max.
  B5 footprint: the agent with the systemd unit's JVM flags: time from process start to /health/ready, RSS
     and heap idle, RSS peak during B2 and B3.
  B6 WAN-shaped link (only when named in --cases: it takes several minutes): a 40 ms round trip and 20 Mbit/s
     up, made on loopback by wan.py (a relay: this kernel has no netem). 400 x 256 KiB + 2 x 32 MiB pushed
     through it to vsftpd by edgesync (a backlog in the spool, as B3's, unwarmed: the link, not the CPU, is
     the limit) vs lftp mirror -R --parallel=4 and rclone copy --transfers 4; and how busy the up-link was
     while the 32 MiB files went. "B6 small": 1,000 x 4 KiB in 20 folders the same way, where round trips,
     not the link's rate, set the time. "B6 limit": sync.bandwidth 2Mbit, 16 x 256 KiB + 8 MiB (about 50 s):
     the throughput reached and the agent's CPU meanwhile.
  B7 ledger history: record, claim and status with 1,000 and with 1,000,000 delivered files in the ledger
     (synthetic rows, 40 days old), and the ledger file's size before and after ledger.history-keep prunes
     them (io.edgesync.agent.ledger.LedgerScaleBench, from the agent's test classes).

The floors accepted for this machine (see README, Benchmark): B1 >= 0.9x vsftpd, B2 >= 0.45x vsftpd,
B3 <= 1.3x lftp, B4 p99 < 50 ms, B5 idle RSS <= 96 MiB. B6's targets: <= 0.8x of the faster peer, link
>= 90% busy, the limit within 5% at < 5% of a core.
"""
import argparse, ftplib, io, json, os, pathlib, pwd, re, shutil, signal, socket, statistics, subprocess, sys
import threading, time, urllib.request

import wan  # beside this file

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = pathlib.Path(os.environ.get("EDGESYNC_BENCH_DIR", "/tmp/edgesync-bench"))
OUT = ROOT / "integration-tests/target/bench"
UP_USER, UP_PASS = "edgesync-up", "up-secret"
TOKEN = "bench-token-0123456789abcdef"
WORKERS = 4
JAR = pathlib.Path(os.environ.get("EDGESYNC_BENCH_JAR", ROOT / "agent/target/edgesync-agent.jar"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_range(n):
    """n consecutive ports nobody listens on (ports in TIME_WAIT count as free, as SO_REUSEADDR allows)."""
    for base in range(20000, 32700, 64):  # below the ephemeral ports clients take
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            pass
        finally:
            for s in socks:
                s.close()
    sys.exit("no free port range")


def wait_until(what, check, timeout=120, every=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(every)
    sys.exit(f"timed out waiting for {what}")


def accepts(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stdout}")
    return r.stdout


class Vsftpd:
    """vsftpd serving the local user edgesync-up from a fresh root; the same settings as the tests'."""

    def __init__(self, name):
        self.dir = WORK / name
        self.root = self.dir / "root"
        self.root.mkdir(parents=True)
        uid = pwd.getpwnam(UP_USER).pw_uid
        os.chown(self.root, uid, uid)
        os.chmod(WORK, 0o755); os.chmod(self.dir, 0o755)
        os.makedirs("/var/run/vsftpd/empty", exist_ok=True)
        self.port = free_port()
        passive = free_range(16)
        conf = self.dir / "vsftpd.conf"
        conf.write_text("\n".join([
            "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", f"listen_port={self.port}", "background=NO",
            "anonymous_enable=NO", "local_enable=YES", "write_enable=YES", "local_umask=022", f"local_root={self.root}",
            "chroot_local_user=NO", "pasv_enable=YES", "pasv_address=127.0.0.1", f"pasv_min_port={passive}",
            f"pasv_max_port={passive + 15}", "pam_service_name=vsftpd", "secure_chroot_dir=/var/run/vsftpd/empty",
            "seccomp_sandbox=NO", "force_dot_files=YES", "xferlog_enable=NO", "check_shell=NO", "userlist_enable=NO",
            "max_clients=200", "max_per_ip=200", ""]))
        self.proc = subprocess.Popen(["/usr/sbin/vsftpd", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cpu = CpuAccount.of(name, self.proc.pid)
        wait_until("vsftpd", lambda: accepts(self.port), 20)

    def cpu_s(self):
        """CPU seconds vsftpd and all its sessions have used so far (NaN if not measured)."""
        return self.cpu.seconds() if self.cpu else float("nan")

    def clear(self):
        for p in self.root.iterdir():
            discard(p)

    def stop(self):
        self.proc.terminate(); self.proc.wait()
        if self.cpu:
            self.cpu.remove()


def java():
    home = os.environ.get("JAVA_HOME") or run([str(ROOT / "src/build/jdk-home")]).strip()
    return os.path.join(home, "bin/java")


def unit_opts():
    """The systemd unit's JAVA_OPTS, as it has them."""
    unit = (ROOT / "systemd/edgesync-agent.service").read_text()
    return re.search(r'JAVA_OPTS=([^"]+)"', unit).group(1).split()


def unit_flags():
    """The unit's JAVA_OPTS to run here: files it names under /usr/share/edgesync are this checkout's, in src/dist."""
    return [f.replace("/usr/share/edgesync/", str(ROOT / "src/dist") + "/") for f in unit_opts()]


class Agent:
    """The packaged agent with the systemd unit's JVM flags; upstream hq is vsftpd (or a closed port)."""

    def __init__(self, name, upstream_port, sync=""):
        self.dir = WORK / name
        self.dir.mkdir(parents=True)
        self.ftp, self.http = free_port(), free_port()
        passive = free_range(32)
        (self.dir / "edgesync.yaml").write_text(f"""
agent: {{id: bench, data-dir: {self.dir}/data}}
ftp:
  bind: 127.0.0.1
  port: {self.ftp}
  passive-ports: {passive}-{passive + 31}
  max-connections-per-ip: 64
  users: [{{name: cam, password: cam-pw-bench, home: cam, perm: elradfmw}}]
upstreams:
  - {{name: hq, url: "ftp://127.0.0.1:{upstream_port}/in", user: {UP_USER}, password: {UP_PASS}, workers: {WORKERS}}}
sync: {{retry-initial: 200ms, retry-max: 1s{sync}}}
disk: {{floor-bytes: 64MiB, floor-percent: 0}}
retention: {{policy: until-floor}}
http: {{bind: 127.0.0.1, port: {self.http}, token: {TOKEN}}}
""")
        self.t0 = time.time()
        # EDGESYNC_BENCH_JAVA_OPTS adds flags after the unit's, e.g. a JFR recording for profiling
        extra = os.environ.get("EDGESYNC_BENCH_JAVA_OPTS", "").replace("{name}", name).split()
        self.proc = subprocess.Popen([java(), *unit_flags(), *extra, "--enable-native-access=ALL-UNNAMED", "-jar",
                                      str(JAR), "--config", str(self.dir / "edgesync.yaml")],
                                     stdout=open(self.dir / "agent.log", "w"), stderr=subprocess.STDOUT)
        wait_until("agent /health/live", lambda: self.proc.poll() is not None or self.get("/health/live").status == 200,
                   60, 0.01)
        if self.proc.poll() is not None:  # e.g. a setting this build does not know
            self.stop()
            raise AgentExited((self.dir / "agent.log").read_text())
        self.ready_s = time.time() - self.t0

    def get(self, path):
        return urllib.request.urlopen(f"http://127.0.0.1:{self.http}{path}", timeout=10)

    def command(self, name, body="{}"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}/api/v1/commands/{name}", data=body.encode(),
                                     headers={"Authorization": "Bearer " + TOKEN})
        return json.load(urllib.request.urlopen(req, timeout=30))

    def status(self):
        return json.load(self.get("/api/v1/status"))

    def cpu_s(self):
        """CPU seconds (user + system) the agent has used so far."""
        return cpu_seconds(f"/proc/{self.proc.pid}/stat")

    def thread_cpu(self):
        """CPU seconds per thread name (threads of one pool summed)."""
        out = {}
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                name = re.sub(r"[-#]?\d+$", "", open(f"/proc/{self.proc.pid}/task/{tid}/comm").read().strip())
                out[name] = out.get(name, 0) + cpu_seconds(f"/proc/{self.proc.pid}/task/{tid}/stat")
            except OSError:
                pass
        return out

    def rss_mib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

    def heap_mib(self):
        text = self.get("/metrics").read().decode()
        used = [float(m) for m in re.findall(r'^jvm_memory_used_bytes\{area="heap"[^}]*\} (\S+)', text, re.M)]
        return sum(used) / 2 ** 20

    def spool(self):
        return self.dir / "data/spool/cam"

    def stop(self):
        self.proc.terminate(); self.proc.wait()
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.dir / "agent.log", OUT / (self.dir.name + ".log"))  # kept for reading afterwards


class AgentExited(Exception):
    """The agent ended instead of starting; the message is its log."""


class RssSampler:
    """The agent's peak RSS while a case runs, sampled every 100 ms."""

    def __init__(self, agent):
        self.agent, self.peak, self.running = agent, 0.0, True
        self.thread = threading.Thread(target=self.loop, daemon=True); self.thread.start()

    def loop(self):
        while self.running:
            self.peak = max(self.peak, self.agent.rss_mib()); time.sleep(0.1)

    def stop(self):
        self.running = False; self.thread.join(); return self.peak


def make_tree(path, small=2000, folders=20, large=0, large_mib=256, small_kib=4):
    path.mkdir(parents=True)
    for d in range(folders):
        (path / f"d{d:02}").mkdir()
    for i in range(small):
        (path / f"d{i % folders:02}" / f"f{i:04}.jpg").write_bytes(os.urandom(small_kib << 10))
    for i in range(large):
        with open(path / f"big{i}.bin", "wb") as f:
            for _ in range(large_mib):
                f.write(os.urandom(1 << 20))
    return path


def count_files(path):
    return sum(len(files) for _, _, files in os.walk(path))


def count_final(path):
    """Files under their final names (edgesync's temporaries are .edgesync-*.part)."""
    return sum(1 for _, _, files in os.walk(path) for f in files if not f.startswith(".edgesync-"))


def make_backlog(agent, tree, n, folder="b3"):
    """Pauses the agent's upstream and uploads tree's n files into it as folder/: a backlog waiting in the spool."""
    agent.command("pause")
    lftp_mirror(tree, agent.ftp, "cam", "cam-pw-bench", folder, 8)
    wait_until("backlog recorded", lambda: agent.status()["upstreams"][0]["backlog"] == n, 30)


def deliver_backlog(agent, vs, n, folder="b3"):
    """Resumes the upstream; returns once all n files of folder/ are final upstream (watched on vsftpd's disk,
    not by asking the agent)."""
    agent.command("resume")
    wait_until("backlog delivered", lambda: count_final(vs.root / "in/cam" / folder) == n, 600, 0.02)


def lftp_mirror(src, port, user, password, target, parallel):
    run(["lftp", "-c", f"set net:max-retries 2; set ftp:sync-mode off; open -u {user},{password} "
                       f"ftp://127.0.0.1:{port}; mirror -R --parallel={parallel} {src} {target}"])


def proc_stat(stat_file):
    """The fields of a /proc .../stat file after the command name (state, ppid, ...; utime is [11])."""
    return open(stat_file).read().rsplit(")", 1)[1].split()


def cpu_seconds(stat_file):
    """User + system CPU seconds from a /proc .../stat file."""
    fields = proc_stat(stat_file)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuAccount:
    """CPU seconds of a process and every process it starts, finished ones included, from a cgroup v1
    cpuacct group of its own. Summing /proc was wrong for vsftpd: a session's unprivileged process, which
    does the transfers, is not waited for by its parent, so once a session ended its CPU was counted
    nowhere. That made vsftpd look cheaper serving lftp, whose sessions end within the run (0.32-1.35 CPU s
    in B3), than serving edgesync, whose sessions stay open (2.1-2.5). None when cgroup v1 is not there."""
    ROOT = pathlib.Path("/sys/fs/cgroup/cpuacct")

    def __init__(self, name, pid):
        self.group = self.ROOT / ("edgesync-bench-%s-%d" % (name, os.getpid()))
        self.group.mkdir()
        (self.group / "cgroup.procs").write_text(str(pid))

    @classmethod
    def of(cls, name, pid):
        try:
            return cls(name, pid)
        except OSError as e:
            say("no cpuacct cgroup for %s (%s): its CPU seconds are not measured" % (name, e))
            return None

    def seconds(self):
        return int((self.group / "cpuacct.usage").read_text()) / 1e9

    def remove(self):
        """Ends what is still running in the group (sessions outlive vsftpd's listener) and removes it."""
        for _ in range(100):
            pids = (self.group / "cgroup.procs").read_text().split()
            if not pids:
                self.group.rmdir()
                return
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        say("cgroup %s still holds processes; left in place" % self.group)


def children_cpu_s():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def say(text):
    print(time.strftime("%H:%M:%S"), text, file=sys.stderr, flush=True)


TRASH = WORK / "trash"
# ext4 without a journal (this project's VMs: / has none) skips, for each new file, every inode freed in the
# last 60 s, reading its inode table block to see so (fs/ext4/ialloc.c, recently_deleted)
RECENTLY_DELETED_S = 61


def discard(path):
    """Moves files out of the way instead of deleting them; all go at the end. Deleted, the 2,000 files of one
    run made every create of the next run scan past their inodes: `recently_deleted` and the inode-table reads
    under it were 10-13% of all CPU samples in B3 (perf), paid by whichever side came next, and more by the
    later ones (vsftpd used 2.2-3.4 CPU s serving edgesync, 0.6 serving lftp, in the same runs)."""
    TRASH.mkdir(exist_ok=True)
    path.rename(TRASH / ("%d-%s" % (time.monotonic_ns(), path.name)))


WARM_MIB = 1536  # more than any case writes anew (B3: 1 GiB + 8 MiB)


def settle(*sources):
    """Before each timed run, the same conditions for every side:
    - free memory the kernel can hand out at once: this project's machines are VMs that give free memory back
      to their host, and the first write into such a page faults on the host. Without this, vsftpd spent 36%
      of all CPU samples (perf) copying B3's 1 GiB into such pages when edgesync fed it and 0.5% when lftp did
      (lftp's run came right after the previous run's files were deleted, so it got their pages). So each
      run starts right after WARM_MIB of page cache has been written and freed (and see KeptFreePages); a
      board without a hypervisor has no such cost;
    - no dirty pages left by the previous run (written back during the next one, they slowed whichever side
      came second: B1 measured 362-699 MB/s for the same agent);
    - the run's sources in the page cache: writing WARM_MIB evicts some of them, and not the same share of
      each side's (fincore: lftp's 4 x 256 MiB all cached, the agent's spool copies 240-244 MiB each)."""
    scratch = WORK / "warm-pages"
    block = bytes(1 << 20)
    with open(scratch, "wb") as f:
        for _ in range(WARM_MIB):
            f.write(block)
    scratch.unlink()  # its dirty pages are dropped, not written back
    os.sync()
    for source in sources:
        files = [source] if os.path.isfile(source) else [os.path.join(d, n) for d, _, ns in os.walk(source) for n in ns]
        for path in files:
            with open(path, "rb") as f:
                while f.read(1 << 20):
                    pass
    time.sleep(0.5)


class KeptFreePages:
    """While the benchmark runs, this VM keeps the memory it frees instead of handing it to the host at once.
    Its kernel reports free 2 MiB blocks to the host (virtio free page reporting, /sys/module/page_reporting)
    a few seconds after they are freed, and the next write into one faults on the host. Measured here: 1 GiB
    written into new files right after 1.5 GiB was freed took 0.19 s; 5 s later 0.36 s, 10-40 s later
    1.2-1.5 s (960-1,188 MiB reported in between). So a side whose run began a few seconds after settle()
    paid for pages that the other did not. With min_free_ms raised it took 0.18-0.36 s at every delay. The
    old value is put back at the end; on a machine without the knob nothing changes."""
    KNOB = pathlib.Path("/sys/module/page_reporting/parameters/min_free_ms")

    def __enter__(self):
        self.old = None
        try:
            self.old = self.KNOB.read_text().strip()
            self.KNOB.write_text("3600000")
            say("free page reporting held for an hour (min_free_ms was %s)" % self.old)
        except OSError:
            pass
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            self.KNOB.write_text(self.old)


def timed(fn, *sources):
    settle(*sources)
    t = time.perf_counter(); fn(); return time.perf_counter() - t


def fmt(values, unit, digits=0):
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f} {unit}"
    return f"{med:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


B6_RTT_MS, B6_UP_MBIT = 40, 20
B6_LIMIT, B6_LIMIT_BYTES_S = "2Mbit", 250_000  # SI, as sync.bandwidth reads it


def wan_push(vs, runs, quick, case="b6", small_kib=256, large=2):
    """B6: one backlog pushed through the WAN relay by edgesync, lftp and rclone, each into an emptied vsftpd
    through a relay of its own (so each run's counters are its alone). Returns the table's rows. With
    small_kib=4 and large=0 ("B6 small"): 1,000 x 4 KiB, where round trips, not the link's rate, set the time."""
    if large:
        small, large_mib = (100, 8) if quick else (400, 32)
    else:
        small, large_mib = (250, 0) if quick else (1000, 0)
    tree = make_tree(WORK / (case + "-tree"), small=small, large=large, large_mib=large_mib, small_kib=small_kib)
    n = count_files(tree)
    obscured = run(["rclone", "obscure", UP_PASS]).strip()
    times = {"edgesync": [], "lftp": [], "rclone": []}
    busy = {tool: [] for tool in times}

    def peer(tool, push):
        vs.clear()
        link = wan.Link(vs.port, B6_RTT_MS, B6_UP_MBIT)
        try:
            times[tool].append(timed(lambda: push(link.port), tree))
            stats = link.stats()
        finally:
            link.stop()
        assert count_files(vs.root / case) == n, (tool, count_files(vs.root / case))
        return stats

    def measured(tool, stats):
        # the link's utilisation during the large files: the up-link's bytes over the time when at least one of
        # them was on the wire (whatever else went meanwhile counts too: it is how busy the link was)
        big = [(first, last) for first, last, _ in wan.transfers(stats, (large_mib << 20) // 2)] if large else []
        busy[tool].append(100 * wan.utilisation(stats, big) if big else float("nan"))
        sent = wan.transfers(stats)
        overall = wan.utilisation(stats, [(min(t[0] for t in sent), max(t[1] for t in sent))])
        say(case.upper() + " %s: %.1f s, link busy %.1f%% during the large files, %.1f%% from the first data byte to the last; "
            "relay: %d PASV, %d EPSV, %d data connections, %.1f CPU s" % (
                tool, times[tool][-1], busy[tool][-1], 100 * overall, stats["passive"]["PASV"],
                stats["passive"]["EPSV"], len(stats["data"]), stats["cpu_s"]))

    for r in range(runs):
        measured("lftp", peer("lftp", lambda port: lftp_mirror(tree, port, UP_USER, UP_PASS, case, WORKERS)))
        measured("rclone", peer("rclone", lambda port: run(
            ["rclone", "copy", str(tree), ":ftp:" + case, "--ftp-host", "127.0.0.1", "--ftp-port", str(port),
             "--ftp-user", UP_USER, "--ftp-pass", obscured, "--transfers", str(WORKERS), "--checkers", str(WORKERS)])))
        vs.clear()
        link = wan.Link(vs.port, B6_RTT_MS, B6_UP_MBIT)
        agent = Agent(f"agent-wan-{case}-{r}", link.port)
        try:
            # not warmed as in B3: on this link the agent waits for the network, not for the JIT
            make_backlog(agent, tree, n, case)
            settle(agent.spool() / case)
            t = time.perf_counter()
            deliver_backlog(agent, vs, n, case)
            times["edgesync"].append(time.perf_counter() - t)
            stats = link.stats()
        finally:
            agent.stop()
            link.stop()
        discard(agent.dir)
        measured("edgesync", stats)
    best = min(statistics.median(times["lftp"]), statistics.median(times["rclone"]))
    label = "%s WAN %d ms RTT, %d Mbit/s up: %d x %d KiB%s, %d workers" % (
        case.upper(), B6_RTT_MS, B6_UP_MBIT, small, small_kib, " + %d x %d MiB" % (large, large_mib) if large else "",
        WORKERS)
    rows = [(label, fmt(times["edgesync"], "s", 1),
             "lftp %s; rclone %s" % (fmt(times["lftp"], "s", 1), fmt(times["rclone"], "s", 1)),
             "%.2fx" % (statistics.median(times["edgesync"]) / best), "<= 0.8x of the faster")]
    if large:
        rows.append(("B6 link busy while the 2 x %d MiB go" % large_mib, fmt(busy["edgesync"], "%"),
                     "lftp %s; rclone %s" % (fmt(busy["lftp"], "%"), fmt(busy["rclone"], "%")), "", ">= 90%"))
    return rows


def wan_limit(vs):
    """B6 limit: the agent with sync.bandwidth pushes a backlog through the WAN relay, which is 10x faster than
    the limit. Returns the table's row."""
    label = "B6 limit sync.bandwidth %s: 16 x 256 KiB + 8 MiB" % B6_LIMIT
    tree = make_tree(WORK / "b6-limit-tree", small=16, folders=4, large=1, large_mib=8, small_kib=256)
    n = count_files(tree)
    vs.clear()
    link = wan.Link(vs.port, B6_RTT_MS, B6_UP_MBIT)
    try:
        try:
            agent = Agent("agent-wan-limit", link.port, sync=', bandwidth: "%s"' % B6_LIMIT)
        except AgentExited as e:
            why = ("the built agent does not know sync.bandwidth" if "sync.bandwidth" in str(e) else
                   "the agent did not start: " + str(e).strip().splitlines()[-1][:200])
            say("B6 limit skipped: " + why)
            return (label, "skipped: " + why, "", "", "within 5%; CPU < 5% of a core")
        try:
            make_backlog(agent, tree, n, "b6-limit")
            settle(agent.spool() / "b6-limit")
            t, cpu = time.perf_counter(), agent.cpu_s()
            deliver_backlog(agent, vs, n, "b6-limit")
            wall, cpu = time.perf_counter() - t, agent.cpu_s() - cpu
            stats = link.stats()
        finally:
            agent.stop()
        discard(agent.dir)
    finally:
        link.stop()
    # from the first data byte on the link to the last, as the relay saw them: logins and the wait for the
    # last 226 left out
    sent = wan.transfers(stats)
    first, last = min(t[0] for t in sent), max(t[1] for t in sent)
    rate = sum(t[2] for t in sent) / (last - first)
    say("B6 limit: %d bytes in %.1f s from the first data byte to the last (%.1f s from resume), %.0f bytes/s; "
        "agent %.2f CPU s" % (sum(t[2] for t in sent), last - first, wall, rate, cpu))
    return (label, "%.3f Mbit/s; agent CPU %.1f%% of a core" % (rate * 8 / 1e6, 100 * cpu / wall), "",
            "%.3fx of %s" % (rate / B6_LIMIT_BYTES_S, B6_LIMIT), "within 5%; CPU < 5% of a core")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1 run per case, 256 MiB for B1, 20 s for B4, B3 small only, "
                                                          "B6 100 x 256 KiB + 2 x 8 MiB")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--cases", default="B1,B2,B3,B4,B7",
                    help="which of B1-B4, B6, B7 to run (B5 is measured beside them; B6 only when named)")
    args = ap.parse_args()
    cases = set(args.cases.upper().split(","))
    if cases - {"B1", "B2", "B3", "B4", "B6", "B7"}:
        ap.error("unknown case(s): " + ",".join(sorted(cases - {"B1", "B2", "B3", "B4", "B6", "B7"})))
    runs = args.runs or (1 if args.quick else 3)
    b1_mib = 256 if args.quick else 1024
    b4_seconds = 20 if args.quick else 60
    b3_large = 0 if args.quick else 4
    for tool in ["/usr/sbin/vsftpd", "/usr/bin/curl", "/usr/bin/lftp", "/usr/bin/rclone"]:
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: apt-get install vsftpd curl lftp rclone")
    shutil.rmtree(WORK, ignore_errors=True)  # a previous run's files: their inodes count as recently deleted
    WORK.mkdir(parents=True)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    b2_peak = b3_peak = 0.0

    vs = Vsftpd("vsftpd")
    dead = free_port()  # an upstream that is not there: ingest cases measure ingest alone
    ingest = Agent("agent-ingest", dead)
    idle_ready = ingest.ready_s
    time.sleep(10)
    idle_rss, idle_heap = ingest.rss_mib(), ingest.heap_mib()

    if "B1" in cases:
        say('B1: one large file')
        # B1: one large file, curl -T
        big = WORK / "b1.bin"
        with open(big, "wb") as f:
            for _ in range(b1_mib):
                f.write(os.urandom(1 << 20))
        size_mb = big.stat().st_size / 1e6
        e_rates, v_rates = [], []
        for r in range(runs):
            v_rates.append(size_mb / timed(lambda: run(["curl", "-sS", "-T", str(big),
                                                        f"ftp://{UP_USER}:{UP_PASS}@127.0.0.1:{vs.port}/b1-{r}.bin"]),
                                           big))
            vs.clear()
            e_rates.append(size_mb / timed(lambda: run(["curl", "-sS", "-T", str(big),
                                                        f"ftp://cam:cam-pw-bench@127.0.0.1:{ingest.ftp}/b1-{r}.bin"]),
                                           big))
            (ingest.spool() / f"b1-{r}.bin").unlink()
        big.unlink()
        say("B1 edgesync %s, vsftpd %s" % (e_rates, v_rates))
        rows.append(("B1 ingest 1 file of %d MiB, curl -T" % b1_mib, fmt(e_rates, "MB/s"), fmt(v_rates, "MB/s"),
                     "%.2fx" % (statistics.median(e_rates) / statistics.median(v_rates)), ">= 0.9x (floor)"))

    if "B2" in cases:
        say('B2: 2,000 x 4 KiB')
        time.sleep(max(0.0, started + RECENTLY_DELETED_S - time.monotonic()))
        # B2: 2,000 x 4 KiB in 20 folders, lftp mirror -R --parallel=8
        tree = make_tree(WORK / "b2-tree")
        e_fps, v_fps, e_cpu, v_cpu = [], [], [], []
        for r in range(runs):
            before = vs.cpu_s()
            v_fps.append(2000 / timed(lambda: lftp_mirror(tree, vs.port, UP_USER, UP_PASS, f"b2-{r}", 8), tree))
            v_cpu.append(vs.cpu_s() - before)
            assert count_files(vs.root / f"b2-{r}") == 2000
            vs.clear()
            sampler = RssSampler(ingest)
            before = ingest.cpu_s()
            e_fps.append(2000 / timed(lambda: lftp_mirror(tree, ingest.ftp, "cam", "cam-pw-bench", f"b2-{r}", 8), tree))
            e_cpu.append(ingest.cpu_s() - before)
            b2_peak = max(b2_peak, sampler.stop())
            assert count_files(ingest.spool() / f"b2-{r}") == 2000
        say("B2 edgesync %s, vsftpd %s" % (e_fps, v_fps))
        say("B2 server CPU seconds per run: edgesync %s, vsftpd %s" % (e_cpu, v_cpu))
        rows.append(("B2 ingest 2,000 x 4 KiB, lftp mirror -R --parallel=8", fmt(e_fps, "files/s"), fmt(v_fps, "files/s"),
                     "%.2fx" % (statistics.median(e_fps) / statistics.median(v_fps)), ">= 0.45x (floor)"))
    ingest.stop()

    if "B3" in cases:
        say('B3: a backlog')
        # B3: a backlog in the spool pushed to vsftpd
        tree3 = make_tree(WORK / "b3-tree", large=b3_large)
        warm = make_tree(WORK / "b3-warm", small=5000, folders=10)
        n3 = count_files(tree3)
        e_t, l_t, r_t = [], [], []
        e_cpu, l_cpu, vs_e_cpu, vs_l_cpu = [], [], [], []
        obscured = run(["rclone", "obscure", UP_PASS]).strip()
        for r in range(runs):
            vs.clear()
            before, vs_before = children_cpu_s(), vs.cpu_s()
            l_t.append(timed(lambda: lftp_mirror(tree3, vs.port, UP_USER, UP_PASS, "b3", WORKERS), tree3))
            l_cpu.append(children_cpu_s() - before)
            vs_l_cpu.append(vs.cpu_s() - vs_before)
            assert count_files(vs.root / "b3") == n3
            vs.clear()
            r_t.append(timed(lambda: run(["rclone", "copy", str(tree3), ":ftp:b3", "--ftp-host", "127.0.0.1",
                                          "--ftp-port", str(vs.port), "--ftp-user", UP_USER, "--ftp-pass", obscured,
                                          "--transfers", str(WORKERS), "--checkers", str(WORKERS)]),
                             tree3))
            assert count_files(vs.root / "b3") == n3
            vs.clear()
            agent = Agent(f"agent-sync-{r}", vs.port)
            # warm, as an agent that ran before the outage is: its sync path compiled by the JIT (cold, the
            # C2 compiler took 1.6 of the agent's 3.7 CPU seconds of this case)
            lftp_mirror(warm, agent.ftp, "cam", "cam-pw-bench", "warm", 8)
            wait_until("warm-up delivered", lambda: agent.status()["upstreams"][0]["backlog"] == 0, 120)
            make_backlog(agent, tree3, n3)
            settle(agent.spool() / "b3")
            sampler = RssSampler(agent)
            t, cpu, threads, vs_before = time.perf_counter(), agent.cpu_s(), agent.thread_cpu(), vs.cpu_s()
            deliver_backlog(agent, vs, n3)
            e_t.append(time.perf_counter() - t)
            e_cpu.append(agent.cpu_s() - cpu)
            vs_e_cpu.append(vs.cpu_s() - vs_before)
            used = {k: v - threads.get(k, 0) for k, v in agent.thread_cpu().items()}
            say("B3 agent CPU by thread: " + ", ".join("%s %.2f" % kv for kv in sorted(used.items(), key=lambda kv: -kv[1])[:8]))
            b3_peak = max(b3_peak, sampler.stop())
            assert count_files(vs.root / "in/cam/b3") == n3, count_files(vs.root / "in/cam/b3")
            agent.stop()
            discard(agent.dir)
        say("B3 edgesync %s, lftp %s, rclone %s" % (e_t, l_t, r_t))
        say("B3 CPU seconds: edgesync %s, lftp %s" % (e_cpu, l_cpu))
        say("B3 vsftpd's CPU seconds: serving edgesync %s, serving lftp %s" % (vs_e_cpu, vs_l_cpu))
        best = min(statistics.median(l_t), statistics.median(r_t))
        label = "B3 sync backlog 2,000 x 4 KiB" + (" + %d x 256 MiB" % b3_large if b3_large else "")
        rows.append((label + ", %d workers" % WORKERS, fmt(e_t, "s", 1),
                     "lftp %s; rclone %s" % (fmt(l_t, "s", 1), fmt(r_t, "s", 1)),
                     "%.2fx" % (statistics.median(e_t) / best), "<= 1.3x of the faster (floor)"))

    if "B4" in cases:
        say('B4: 64 KiB')
        # B4: 64 KiB at 20 files/s, 226 to final name upstream
        vs.clear()
        agent = Agent("agent-latency", vs.port)
        lat = []
        pending = {}
        lock = threading.Lock()
        done = threading.Event()

        def watch():
            while not done.is_set() or pending:
                now = time.perf_counter()
                with lock:
                    items = list(pending.items())
                for name, t226 in items:
                    if os.path.exists(vs.root / "in/cam" / name):
                        with lock:
                            pending.pop(name, None)
                        lat.append((now - t226) * 1000)
                time.sleep(0.0005)

        watcher = threading.Thread(target=watch, daemon=True); watcher.start()
        device = ftplib.FTP(); device.connect("127.0.0.1", agent.ftp); device.login("cam", "cam-pw-bench")
        body = os.urandom(64 * 1024)
        start = time.perf_counter()
        count = b4_seconds * 20
        for i in range(count):
            due = start + i / 20
            time.sleep(max(0, due - time.perf_counter()))
            device.storbinary(f"STOR l{i:05}.bin", io.BytesIO(body))
            with lock:
                pending[f"l{i:05}.bin"] = time.perf_counter()
        device.quit()
        wait_until("all latency files upstream", lambda: not pending, 60, 0.01)
        done.set(); watcher.join()
        lat.sort()
        rows.append(("B4 226 -> final name upstream, 64 KiB at 20/s for %d s" % b4_seconds,
                     "p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1], lat[-1]),
                     "", "", "p99 < 50 ms (floor)"))
        agent.stop()

    if "B6" in cases:
        say("B6: a WAN-shaped link")
        rows += wan_push(vs, runs, args.quick)
        rows += wan_push(vs, runs, args.quick, "b6-small", small_kib=4, large=0)
        rows.append(wan_limit(vs))

    if "B7" in cases:
        say('B7: ledger history')
        large = 100_000 if args.quick else 1_000_000
        out = run([java(), "-cp", "%s:%s" % (JAR, ROOT / "agent/target/test-classes"),
                   "io.edgesync.agent.ledger.LedgerScaleBench", str(WORK / "ledger"), str(large)])
        for line in out.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and cells[0][:1].isdigit():  # a result row, not the table's header
                rows.append(("B7 ledger with %s: record; claim + delivered; status (median, p99)" % cells[0],
                             "%s; %s; %s" % (cells[1], cells[2], cells[3]),
                             "file %s, pruned in %s to %s" % (cells[4], cells[5], cells[6]), "",
                             "as fast at 1,000,000 as at 1,000; file shrinks back"))

    rows.append(("B5 footprint (%s)" % " ".join(unit_opts()),
                 "ready %.2f s; idle RSS %.0f MiB, heap %.0f MiB; peak RSS B2 %.0f MiB, B3 %.0f MiB"
                 % (idle_ready, idle_rss, idle_heap, b2_peak, b3_peak), "", "",
                 "idle <= 96 MiB (floor); ready <= 2 s, load <= 160 MiB"))
    vs.stop()

    host = os.uname()
    table = ["| case | edgesync | peer | ratio | target |", "|---|---|---|---|---|"]
    table += ["| %s | %s | %s | %s | %s |" % row for row in rows]
    text = "\n".join(["# edgesync benchmark", "",
                      "%s, %d cores, %s; %d run(s) per case, median (min-max); java %s" % (
                          time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(), host.release, runs,
                          run([java(), "-version"]).splitlines()[0]), "", *table, ""])
    (OUT / "results.md").write_text(text)
    print(text)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    with KeptFreePages():
        main()
