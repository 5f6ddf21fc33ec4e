# hostup_exporter container image.
#
# Build (what `make docker` runs; BRANCH is optional):
#
#   docker build --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=main -t hostup_exporter:1.2.3 .
#
# The image is a static Go binary on distroless/static (CA certificates
# included, for https://cloud.hostup.se), running as distroless' unprivileged
# user nonroot (uid/gid 65532), listening on :9977.
#
# Giving it the HostUp API token, one of:
#
#   1. Zero-config mode, token from the environment (one account named
#      "default"):
#        docker run -p 9977:9977 -e HOSTUP_API_TOKEN hostup_exporter
#
#   2. Zero-config mode, token from a mounted secret file (Docker/Swarm or
#      Kubernetes secret; the file must be readable by uid 65532):
#        docker run -p 9977:9977 \
#          -v "$PWD/hostup.token:/run/secrets/hostup:ro" \
#          hostup_exporter --hostup.token-file=/run/secrets/hostup
#
#   3. A config file (several accounts, scrape settings; see
#      config.example.yml) mounted at /etc/hostup_exporter/config.yml. Its
#      accounts name a token_file (relative paths are taken relative to the
#      config file's directory) or a token_env; tokens never live in the file:
#        docker run -p 9977:9977 \
#          -v "$PWD/config.yml:/etc/hostup_exporter/config.yml:ro" \
#          -v "$PWD/secrets:/run/secrets:ro" \
#          hostup_exporter --config.file=/etc/hostup_exporter/config.yml
#
# A config reload is `POST /-/reload` or SIGHUP (`docker kill -s HUP ...`).
# Liveness: GET /-/healthy. There is no shell or curl in the image, so use
# the orchestrator's HTTP probe rather than a Dockerfile HEALTHCHECK.

# Must satisfy go.mod's go line (1.26.8): the golang images set
# GOTOOLCHAIN=local, so an older toolchain fails instead of downloading one.
ARG GO_VERSION=1.26

# The builder runs on the build machine's platform and cross-compiles (the
# binary is pure Go), so a multi-platform build (docker buildx build
# --platform linux/amd64,linux/arm64) needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build

WORKDIR /src

# Dependencies first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .

# Version information, as the Makefile's LDFLAGS inject it
# (github.com/prometheus/common/version; shown by --version, in the landing
# page and in hostup_exporter_build_info).
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_USER=docker
ARG TARGETOS
ARG TARGETARCH
RUN VPKG=github.com/prometheus/common/version \
 && CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath \
      -ldflags "-s -w -X ${VPKG}.Version=${VERSION} -X ${VPKG}.Revision=${REVISION} -X ${VPKG}.Branch=${BRANCH} -X ${VPKG}.BuildUser=${BUILD_USER} -X ${VPKG}.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)" \
      -o /out/hostup_exporter . \
 && if [ -z "${TARGETARCH}" ] || [ "${TARGETARCH}" = "$(go env GOHOSTARCH)" ]; then /out/hostup_exporter --version; fi

# distroless/static: no libc, no shell, CA certificates and tzdata included.
# For reproducible builds, pin it by digest (gcr.io/distroless/...@sha256:...).
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hostup_exporter" \
      org.opencontainers.image.description="Prometheus exporter for the HostUp cloud API" \
      org.opencontainers.image.source="https://github.com/hostup-exporter/hostup_exporter" \
      org.opencontainers.image.url="https://github.com/hostup-exporter/hostup_exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"

COPY --from=build /out/hostup_exporter /bin/hostup_exporter

# distroless' "nonroot" user, given numerically so that Kubernetes'
# runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 9977
ENTRYPOINT ["/bin/hostup_exporter"]
