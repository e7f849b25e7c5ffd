# syntax=docker/dockerfile:1
# elevate's container image: a static binary (CGO_ENABLED=0) on distroless
# static (CA certificates and tzdata, no shell), running as a non-root user.
#
#   docker build -t elevate --build-arg VERSION=$(git describe --tags --always) .
#   docker run -p 8080:8080 -v elevate-data:/var/lib/elevate \
#     -v $PWD/elevate.yaml:/etc/elevate/elevate.yaml:ro elevate serve --config /etc/elevate/elevate.yaml
#
# docs/operations.md has the rest (secrets as *_FILE, PostgreSQL, replicas).

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG COMMIT=""
ARG DATE=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/elevate/elevate/internal/cli.version=${VERSION} -X github.com/elevate/elevate/internal/cli.commit=${COMMIT} -X github.com/elevate/elevate/internal/cli.date=${DATE}" \
      -o /out/elevate ./cmd/elevate \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/elevate /usr/local/bin/elevate
COPY --from=build --chown=65532:65532 /out/data /var/lib/elevate
USER 65532:65532
ENV ELEVATE_ADDR=0.0.0.0:8080 \
    ELEVATE_DATA_DIR=/var/lib/elevate \
    ELEVATE_LOG_FORMAT=json
VOLUME ["/var/lib/elevate"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/elevate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/elevate"]
CMD ["serve"]
