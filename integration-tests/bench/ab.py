#!/usr/bin/python3
"""Interleaved A/B of agent builds on one benchmark case: which of two (or more) builds is faster, on a
machine whose speed drifts from one hour to the next (see bench.py's settle()). Each round runs every build
once, in turn, in alternating order (a b, b a, ...), one fresh agent each, under the same conditions as
bench.py. Not a test: it prints figures.

    export JAVA_HOME=$(src/build/jdk-home)
    ./mvnw -q -B package -DskipTests && cp agent/target/edgesync-agent.jar /tmp/new.jar
    git stash && ./mvnw -q -B package -DskipTests && cp agent/target/edgesync-agent.jar /tmp/old.jar && git stash pop
    python3 integration-tests/bench/ab.py --case b2 /tmp/old.jar /tmp/new.jar

The builds must share the dependencies in agent/target/lib (only the agent's own jar is swapped in, and the
one there is put back at the end). Run from the repository root, as root, as bench.py.

Cases:
  b2          lftp mirror -R --parallel=8 of 2,000 x 4 KiB into the agent, 3 mirrors per agent (the first,
              while the FTP path is being compiled, is shown but left out of the summary): files/s, agent CPU s
  b3-small    2,000 x 4 KiB paused in the spool, then pushed to vsftpd by 4 workers: seconds, vsftpd's and
              the agent's CPU s; lftp mirror -R --parallel=4 of the same tree to the same vsftpd each round.
              Unlike bench.py's B3, the agent is not warmed by 5,000 deliveries first: its sync path is
              compiled by the JIT during the push, alike for every build
  b3-large    the same with 4 x 256 MiB
"""
import argparse, os, pathlib, shutil, statistics, sys, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench  # noqa: E402

JAR = bench.ROOT / "agent/target/edgesync-agent.jar"


def b2(agent, tree, results, name, rnd):
    for run in range(3):
        bench.settle(tree)
        cpu, start = agent.cpu_s(), time.perf_counter()
        bench.lftp_mirror(tree, agent.ftp, "cam", "cam-pw-bench", f"b2-{run}", 8)
        files_s, cpu_s = 2000 / (time.perf_counter() - start), agent.cpu_s() - cpu
        print(f"{name} round {rnd} mirror {run}: {files_s:.0f} files/s, agent {cpu_s:.2f} CPU s", flush=True)
        if run > 0:
            results.append((files_s, cpu_s))


def b3(agent, tree, vsftpd, results, name, rnd):
    n = bench.count_files(tree)
    bench.make_backlog(agent, tree, n)
    bench.settle(tree, agent.spool())
    server, own, start = vsftpd.cpu_s(), agent.cpu_s(), time.perf_counter()
    bench.deliver_backlog(agent, vsftpd, n)
    seconds = time.perf_counter() - start
    row = (seconds, vsftpd.cpu_s() - server, agent.cpu_s() - own)
    print(f"{name} round {rnd}: %.2f s, vsftpd %.2f CPU s, agent %.2f CPU s" % row, flush=True)
    results.append(row)


def lftp_reference(tree, vsftpd, results, rnd):
    vsftpd.clear()
    bench.settle(tree)
    server, start = vsftpd.cpu_s(), time.perf_counter()
    bench.lftp_mirror(tree, vsftpd.port, bench.UP_USER, bench.UP_PASS, f"lftp{rnd}", bench.WORKERS)
    row = (time.perf_counter() - start, vsftpd.cpu_s() - server)
    print(f"lftp round {rnd}: %.2f s, vsftpd %.2f CPU s" % row, flush=True)
    results.append(row)


def summary(label, rows, units):
    columns = list(zip(*rows))
    parts = [f"{unit} median {statistics.median(c):.2f} ({min(c):.2f}-{max(c):.2f})"
             for unit, c in zip(units, columns)]
    print(f"{label}: " + ", ".join(parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", choices=["b2", "b3-small", "b3-large"], required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("jars", nargs="+", help="agent jars to compare (two or more)")
    args = ap.parse_args()
    jars = [pathlib.Path(j).resolve() for j in args.jars]
    names = [j.stem for j in jars]
    if len(jars) < 2 or len(set(names)) != len(names):
        sys.exit("give two or more jars with different file names (they name the rows)")
    keep = bench.WORK.parent / "ab-kept-agent.jar"
    cleared = bench.WORK.exists()
    shutil.rmtree(bench.WORK, ignore_errors=True)
    bench.WORK.mkdir(parents=True)
    if cleared:  # the first build would pay for the inodes just freed (see bench.RECENTLY_DELETED_S)
        print(f"waiting {bench.RECENTLY_DELETED_S} s after clearing {bench.WORK}", flush=True)
        time.sleep(bench.RECENTLY_DELETED_S)
    shutil.copy(JAR, keep)
    results = {name: [] for name in names}
    reference = []
    vsftpd = None
    try:
        with bench.KeptFreePages():
            if args.case == "b2":
                tree = bench.make_tree(bench.WORK / "tree")
            else:
                large = args.case == "b3-large"
                tree = bench.make_tree(bench.WORK / "tree", small=0 if large else 2000, folders=0 if large else 20,
                                       large=4 if large else 0)
                vsftpd = bench.Vsftpd("vsftpd")
            for rnd in range(args.rounds):
                if vsftpd:
                    lftp_reference(tree, vsftpd, reference, rnd)
                order = list(zip(jars, names))
                for jar, name in (order if rnd % 2 == 0 else order[::-1]):
                    shutil.copy(jar, JAR)
                    if vsftpd:
                        vsftpd.clear()
                    agent = bench.Agent(f"{name}-{rnd}", vsftpd.port if vsftpd else bench.free_port())
                    try:
                        if vsftpd:
                            b3(agent, tree, vsftpd, results[name], name, rnd)
                        else:
                            b2(agent, tree, results[name], name, rnd)
                    finally:
                        agent.stop()
                    bench.discard(agent.dir)
    finally:
        shutil.copy(keep, JAR)
        if vsftpd:
            vsftpd.stop()
    print()
    units = ["files/s", "agent CPU s"] if args.case == "b2" else ["s", "vsftpd CPU s", "agent CPU s"]
    for name in names:
        summary(name, results[name], units)
    if reference:
        summary("lftp", reference, ["s", "vsftpd CPU s"])


if __name__ == "__main__":
    main()
