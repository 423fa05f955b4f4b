# The sluice binary in a small image. confluent-kafka-go links its bundled
# librdkafka statically against glibc, so the build needs cgo and the
# runtime image a glibc Debian.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/sluice ./cmd/sluice

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/sluice /usr/local/bin/sluice
COPY examples /etc/sluice/examples
VOLUME /var/lib/sluice
EXPOSE 8083 9092
ENTRYPOINT ["sluice"]
# With no arguments the image runs the dev mode: embedded broker and worker.
CMD ["dev", "--data-dir", "/var/lib/sluice"]
