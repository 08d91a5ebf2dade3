#!/usr/bin/python3
"""Quick figures for a closing note (not a test, not the benchmark of issue 6): start the packaged agent
with the systemd unit's JVM flags against a local pyftpdlib upstream, then report the time to /health/live,
RSS at idle and after 200 uploads, and the time from each upload's 226 to its final name upstream.

    /usr/bin/python3 integration-tests/bench/latency_rss.py "$(src/build/jdk-home)/bin/java"

Run from the repository root after ./mvnw package; needs python3-pyftpdlib. Uses /tmp/edgesync-latency.
"""
import ftplib, io, os, shutil, subprocess, sys, time, socket, json, urllib.request
def free():
    s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]; s.close(); return p
up=free(); ftp=free(); http=free()
work="/tmp/edgesync-latency"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work+"/upstream")
jar=os.path.abspath("agent/target/edgesync-agent.jar")
os.chdir(work)
pyftpd=subprocess.Popen(["/usr/bin/python3","-m","pyftpdlib","-i","127.0.0.1","-p",str(up),"-w","-d","upstream","-u","u","-P","p","-r","41000-41015"],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
open("cfg.yaml","w").write(f"""
agent: {{id: bench, data-dir: {work}/data}}
ftp: {{bind: 127.0.0.1, port: {ftp}, passive-ports: 41100-41131, users: [{{name: cam, password: pw, home: cam, perm: elrw}}]}}
upstreams: [{{name: hq, url: "ftp://127.0.0.1:{up}/in", user: u, password: p}}]
http: {{bind: 127.0.0.1, port: {http}}}
""")
java=sys.argv[1]
flags="-Xms32m -Xmx128m -XX:+UseSerialGC -XX:MaxMetaspaceSize=96m -Xss512k".split()
t0=time.time()
agent=subprocess.Popen([java,*flags,"--enable-native-access=ALL-UNNAMED","-jar",jar,"--config","cfg.yaml"],stdout=open("agent.log","w"),stderr=subprocess.STDOUT)
deadline=time.time()+60
while time.time() < deadline:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{http}/health/live").status==200: break
    except Exception: pass
    time.sleep(0.02)
else:
    sys.exit("agent not ready within 60 s; see "+work+"/agent.log")
ready=time.time()-t0
time.sleep(5)
def rss(pid): return int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1])//1024
idle_rss=rss(agent.pid)
c=ftplib.FTP(); c.connect("127.0.0.1",ftp); c.login("cam","pw")
lat=[]
body=os.urandom(4096)
for i in range(200):
    name=f"f{i}.bin"
    c.storbinary("STOR "+name, io.BytesIO(body))
    t=time.perf_counter()
    target=f"upstream/in/cam/{name}"
    wait_until=time.perf_counter()+30
    while not os.path.exists(target) and time.perf_counter() < wait_until: time.sleep(0.0005)
    lat.append((time.perf_counter()-t)*1000)
c.quit()
lat.sort()
print(json.dumps({"ready_s":round(ready,2),"idle_rss_mib":idle_rss,"rss_after_mib":rss(agent.pid),
  "latency_ms_p50":round(lat[len(lat)//2],1),"p99":round(lat[int(len(lat)*0.99)-1],1),"max":round(lat[-1],1)}))
agent.terminate(); agent.wait(); pyftpd.terminate()
