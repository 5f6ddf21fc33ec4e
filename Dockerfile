# hostup_exporter container image, built from what `make build` made.
#
#   make docker        # make build, stage dist/docker/, docker build
#
# As the Prometheus project's own images do, nothing is compiled here: the
# Makefile stages the static binary (with version, revision and branch in
# its ldflags) and the build machine's CA bundle in dist/docker/hostup_exporter/,
# and this file copies them onto a minimal base. There is no RUN step and
# no multi-stage build, so Docker's classic builder, BuildKit, podman and
# buildah all build it, and with the default base (scratch) the build needs
# no network and no image at all.
#
# BASE_IMAGE picks the base. Fully qualified names, so that podman and
# buildah accept them, e.g.:
#
#   make docker DOCKER_BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot
#
# The image runs as uid/gid 65532 (distroless' "nonroot"), numerically, so
# Kubernetes' runAsNonRoot can check it without an /etc/passwd. It needs no
# shell and writes nothing, so it runs with a read-only root filesystem.
# Liveness: GET /-/healthy (no HEALTHCHECK: there is no shell or curl).
ARG BASE_IMAGE=scratch
FROM ${BASE_IMAGE}

ARG BASE_IMAGE=scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
LABEL org.opencontainers.image.title="hostup_exporter" \
      org.opencontainers.image.description="Prometheus exporter for the HostUp cloud API" \
      org.opencontainers.image.source="https://github.com/hostup-exporter/hostup_exporter" \
      org.opencontainers.image.url="https://github.com/hostup-exporter/hostup_exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}" \
      io.hostup-exporter.branch="${BRANCH}"

# bin/hostup_exporter and etc/ssl/certs/ca-certificates.crt, nothing else.
COPY dist/docker/hostup_exporter/ /

USER 65532:65532
EXPOSE 9977
ENTRYPOINT ["/bin/hostup_exporter"]
