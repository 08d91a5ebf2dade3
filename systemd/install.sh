#!/bin/sh
# Installs edgesync on this board (run as root) from an unpacked distribution
# (edgesync-VERSION.tar.gz) or from a built checkout (after ./mvnw package):
#   /opt/edgesync            jar, lib/, bin/ (edgesync-agent, find-java), jvm/ (the unit's JIT directives), README.md
#   /etc/edgesync/edgesync.yaml   kept if it exists (edit it, then: systemctl restart edgesync-agent)
#   /var/lib/edgesync        data (spool, ledger), owned by the 'edgesync' system user
#   /etc/systemd/system/edgesync-agent.service
# Options: --prefix DIR (default /opt/edgesync), --no-systemctl (copy files only).
set -eu
prefix=/opt/edgesync
systemctl=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --no-systemctl) systemctl=no; shift ;;
        *) echo "usage: install.sh [--prefix DIR] [--no-systemctl]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

src=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
if [ -f "$src/edgesync-agent.jar" ]; then          # unpacked distribution
    jar="$src/edgesync-agent.jar"; lib="$src/lib"; bin="$src/bin"; jvm="$src/jvm"
elif [ -f "$src/agent/target/edgesync-agent.jar" ]; then   # built checkout
    jar="$src/agent/target/edgesync-agent.jar"; lib="$src/agent/target/lib"; bin="$src/src/dist/bin"
    jvm="$src/src/dist/jvm"
else
    echo "install.sh: no edgesync-agent.jar next to this script; run ./mvnw package first" >&2; exit 1
fi

# a running agent is stopped before its jars are replaced (the JVM loads classes from them as it needs
# them) and started again at the end
running=no
if [ "$systemctl" = yes ] && [ -d /run/systemd/system ] && systemctl is-active --quiet edgesync-agent.service; then
    running=yes
    systemctl stop edgesync-agent.service
fi

getent group edgesync >/dev/null || groupadd --system edgesync
getent passwd edgesync >/dev/null || useradd --system --gid edgesync --home-dir /var/lib/edgesync \
    --shell /usr/sbin/nologin --comment "edgesync agent" edgesync

install -d -m 0755 "$prefix" "$prefix/bin" "$prefix/lib" "$prefix/jvm"
rm -f "$prefix"/lib/*.jar
install -m 0644 "$jar" "$prefix/edgesync-agent.jar"
install -m 0644 "$lib"/*.jar "$prefix/lib/"
install -m 0755 "$bin/edgesync-agent" "$bin/find-java" "$prefix/bin/"   # the launcher runs find-java
install -m 0644 "$jvm/jit-directives.json" "$prefix/jvm/jit-directives.json"   # the unit's JAVA_OPTS name it
[ -f "$src/README.md" ] && install -m 0644 "$src/README.md" "$prefix/README.md"

install -d -m 0750 -o root -g edgesync /etc/edgesync
if [ ! -f /etc/edgesync/edgesync.yaml ]; then
    install -m 0640 -o root -g edgesync "$src/config/edgesync.yaml" /etc/edgesync/edgesync.yaml
    echo "installed /etc/edgesync/edgesync.yaml: edit users, upstreams and passwords before starting"
fi
install -d -m 0750 -o edgesync -g edgesync /var/lib/edgesync
unit=/etc/systemd/system/edgesync-agent.service
# the unit names the Debian package's paths: here they are under $prefix
sed -e "s#/usr/share/doc/edgesync/README.md#$prefix/README.md#g" -e "s#man:edgesync-agent(1) ##" \
    -e "s#/usr/bin/edgesync-agent#$prefix/bin/edgesync-agent#g" -e "s#/usr/share/edgesync#$prefix#g" \
    "$src/systemd/edgesync-agent.service" > "$unit"
chmod 0644 "$unit"

if [ "$systemctl" = yes ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable edgesync-agent.service
    if [ "$running" = yes ]; then
        systemctl start edgesync-agent.service
        echo "edgesync-agent updated and started again"
    else
        echo "enabled edgesync-agent; start it with: systemctl start edgesync-agent"
    fi
else
    echo "files installed; systemd is not running here, so nothing was enabled"
fi
