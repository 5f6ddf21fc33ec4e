#!/usr/bin/env bash
# Makes sure a container engine answers, for `make docker-test` and CI: when
# `docker info` fails and we are root, installs Debian's docker.io (and
# ca-certificates, whose bundle goes into the image) and starts dockerd in
# the background with what works on a machine with no bridge networking or
# overlay filesystem: vfs storage, no bridge, no iptables (containers then
# use --network=host). Not root: says what to do and fails.
# DOCKER=podman skips all of this: podman needs no daemon.
set -euo pipefail
docker=${DOCKER:-docker}
log=${DOCKERD_LOG:-${TMPDIR:-/tmp}/hostup_exporter-dockerd.log}

if [ "$(basename "$docker")" != docker ]; then exit 0; fi
if "$docker" info >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" != 0 ]; then
  echo "no Docker engine answers; start one (as root: $0), or run with DOCKER=podman" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null || ! command -v "$docker" >/dev/null || [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then
  echo "installing Debian's docker.io and ca-certificates (the container engine, for make docker-test)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io ca-certificates >/dev/null
fi

echo "starting dockerd (vfs storage, no bridge, no iptables; log: $log)"
nohup dockerd --storage-driver=vfs --bridge=none --iptables=false >"$log" 2>&1 &
for _ in $(seq 60); do
  if "$docker" info >/dev/null 2>&1; then
    "$docker" version --format 'docker engine {{.Server.Version}}, client {{.Client.Version}}'
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60s; its log:" >&2
tail -n 30 "$log" >&2
exit 1
