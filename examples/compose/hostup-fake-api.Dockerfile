# The fake HostUp API (cmd/hostup-fake-api) as an image, for the Compose
# stack's demo profile only: `make docker-fake-api`. Built like the
# exporter's image (see ../../Dockerfile), from the static binary the
# Makefile staged in dist/docker/hostup-fake-api/.
#
# The fake API listens on loopback only, by design; in the Compose stack it
# shares the demo exporter's network namespace, so that loopback is theirs.
ARG BASE_IMAGE=scratch
FROM ${BASE_IMAGE}

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hostup-fake-api" \
      org.opencontainers.image.description="A simulated HostUp API on loopback, for demos and tests; not for production" \
      org.opencontainers.image.source="https://github.com/hostup-exporter/hostup_exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

COPY dist/docker/hostup-fake-api/ /

USER 65532:65532
ENTRYPOINT ["/bin/hostup-fake-api"]
