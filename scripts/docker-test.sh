#!/usr/bin/env bash
# `make docker-test`: builds the image with the local container engine from
# what `make docker-stage` staged, then runs it as an operator would and
# checks what the README promises: --version names the version and branch,
# the OCI labels, the file list, a non-root uid, no shell, and with a
# read-only root filesystem and the config and token file mounted read-only,
# /-/healthy and a real /metrics scrape of the fake API on loopback. Then
# the Compose demo's pair: the fake API's image in the exporter container's
# network namespace, with examples/compose/demo's files.
#
# Containers use the host's network (the engine here has no bridge), and
# the exporter listens on 127.0.0.1 only, on a free port from 19977 up.
set -euo pipefail
cd "$(dirname "$0")/.."
docker=${DOCKER:-docker}
version=${VERSION:?} revision=${REVISION:?} branch=${BRANCH:?}
image=hostup_exporter:docker-test
fake_image=hostup-fake-api:docker-test
name=hostup-docker-test-$$
work=$(mktemp -d)
fake_pid=
passed=0

cleanup() {
  "$docker" rm -f "$name" "$name-demo" "$name-fake" >/dev/null 2>&1 || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  "$docker" rmi "$image" "$fake_image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "FAIL: $*" >&2
  echo "$passed passed, 1 failed"
  exit 1
}
ok() {
  echo "ok: $*"
  passed=$((passed + 1))
}

./scripts/docker-engine.sh

echo "building $image with $("$docker" --version)"
start=$(date +%s)
"$docker" build -q --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --build-arg BRANCH="$branch" -t "$image" . >/dev/null
ok "image built in $(($(date +%s) - start))s"

# --version: version and branch come from make build's ldflags.
out=$("$docker" run --rm --network=host "$image" --version 2>&1)
case $out in
  *"version $version "*"branch: $branch,"*) ok "--version: $(echo "$out" | head -1)" ;;
  *) fail "--version printed: $out" ;;
esac

# OCI labels.
for kv in "version=$version" "revision=$revision" \
  "source=https://github.com/hostup-exporter/hostup_exporter"; do
  key=org.opencontainers.image.${kv%%=*}
  got=$("$docker" inspect -f "{{index .Config.Labels \"$key\"}}" "$image")
  [ "$got" = "${kv#*=}" ] || fail "label $key is '$got', want '${kv#*=}'"
done
ok "OCI labels version, revision, source"

user=$("$docker" inspect -f '{{.Config.User}}' "$image")
[ "$user" = 65532:65532 ] || fail "image user is '$user', want 65532:65532"
ok "image user $user"

# The files in the image: its layers as `docker save` writes them (both the
# legacy and the OCI layout have a manifest.json naming the layers).
mkdir "$work/save"
"$docker" save "$image" | tar -x -C "$work/save"
layers=$(grep -o '"Layers":\[[^]]*\]' "$work/save/manifest.json" | grep -o '"[^"]*"' | tail -n +2 | tr -d '"')
for layer in $layers; do tar -tf "$work/save/$layer"; done | sed 's#^\./##; s#/$##' | grep -v '^$' | sort -u > "$work/files"
printf '%s\n' bin bin/hostup_exporter etc etc/ssl etc/ssl/certs etc/ssl/certs/ca-certificates.crt > "$work/want"
diff -u "$work/want" "$work/files" || fail "the image's files differ from the list above"
ok "image files: $(tr '\n' ' ' < "$work/files")"

if "$docker" run --rm --network=host --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi
ok "no shell"

# The fake API on loopback, with a made-up key it checks like HostUp would.
[ -x ./hostup-fake-api ] || go build -o hostup-fake-api ./cmd/hostup-fake-api
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
./hostup-fake-api -listen 127.0.0.1:0 -vps 3 -token-file "$work/token" > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 50); do
  url=$(sed -n 's/^listening on //p' "$work/fake.out" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "${url:-}" ] || fail "fake API did not start: $(cat "$work/fake.err")"

cat > "$work/config.yml" <<YAML
accounts:
  - name: dockertest
    api_url: $url
    token_file: /run/secrets/hostup_token
YAML
# The container's user is not the files' owner: they must be world-readable.
chmod 0644 "$work/config.yml" "$work/token"

port=
for p in $(seq 19977 19999); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port in 19977-19999"

"$docker" run -d --name "$name" --network=host --read-only \
  --cap-drop=ALL --security-opt=no-new-privileges \
  -v "$work/config.yml:/etc/hostup_exporter/config.yml:ro" \
  -v "$work/token:/run/secrets/hostup_token:ro" \
  "$image" --config.file=/etc/hostup_exporter/config.yml \
  --web.listen-address="127.0.0.1:$port" >/dev/null

healthy=
for _ in $(seq 100); do
  if curl -fsS "http://127.0.0.1:$port/-/healthy" > "$work/healthy" 2>/dev/null; then healthy=1; break; fi
  [ "$("$docker" inspect -f '{{.State.Running}}' "$name")" = true ] || break
  sleep 0.1
done
[ -n "$healthy" ] || fail "/-/healthy did not answer; container log: $("$docker" logs "$name" 2>&1 | tail -20)"
ok "/-/healthy: $(head -c 60 "$work/healthy")"

[ "$("$docker" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ] || fail "root filesystem not read-only"
pid=$("$docker" inspect -f '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" != 0 ] || fail "the exporter runs as root"
ok "runs as uid $uid on a read-only root filesystem"

curl -fsS "http://127.0.0.1:$port/metrics" > "$work/metrics" || fail "/metrics failed"
grep -q '^hostup_up{account="dockertest"} 1$' "$work/metrics" ||
  fail "/metrics has no hostup_up 1: $(grep '^hostup_up\|^hostup_scrape' "$work/metrics"; "$docker" logs "$name" 2>&1 | tail -20)"
series=$(grep -c '^hostup_' "$work/metrics")
ok "/metrics scraped the fake API through the image: hostup_up 1, $series hostup_* series"

# The Compose demo profile's two containers as docker-compose.yml runs
# them, without Compose (the engine here has no bridge network): the fake
# API joins the exporter's network namespace and answers on its loopback.
"$docker" build -q --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -f examples/compose/hostup-fake-api.Dockerfile -t "$fake_image" . >/dev/null
demo=$PWD/examples/compose/demo
locked=(--read-only --user=65532:65532 --cap-drop=ALL --security-opt=no-new-privileges)
"$docker" run -d --name "$name-demo" --network=none "${locked[@]}" \
  -v "$demo/hostup_exporter.yml:/etc/hostup_exporter/hostup_exporter.yml:ro" \
  -v "$demo/token:/etc/hostup_exporter/token:ro" \
  "$image" --config.file=/etc/hostup_exporter/hostup_exporter.yml >/dev/null
"$docker" run -d --name "$name-fake" --network="container:$name-demo" "${locked[@]}" \
  -v "$demo/token:/run/secrets/demo_token:ro" \
  "$fake_image" -listen 127.0.0.1:8080 -vps 25 -latency 20ms -token-file /run/secrets/demo_token >/dev/null
pid=$("$docker" inspect -f '{{.State.Pid}}' "$name-demo")
for _ in $(seq 100); do
  # The host's curl, in the containers' network namespace.
  nsenter -t "$pid" -n curl -fsS http://127.0.0.1:9977/metrics > "$work/demo-metrics" 2>/dev/null &&
    grep -q '^hostup_up{account="demo"} 1$' "$work/demo-metrics" && break
  sleep 0.2
done
grep -q '^hostup_up{account="demo"} 1$' "$work/demo-metrics" 2>/dev/null ||
  fail "Compose demo pair: no hostup_up 1: $("$docker" logs "$name-demo" 2>&1 | tail -5; "$docker" logs "$name-fake" 2>&1 | tail -5)"
ok "Compose demo pair: $(grep -c '^hostup_vps_info' "$work/demo-metrics") VPSes read from the fake API's image"

echo "docker-test: $passed passed, 0 failed"
