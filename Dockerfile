# The vigia binary in a small static image: built as `make build` builds it (CGO off,
# -trimpath, stripped), then copied onto distroless (no shell, runs as nonroot).
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=docker
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/vigia ./cmd/vigia

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vigia /vigia
USER nonroot:nonroot
EXPOSE 9464
ENTRYPOINT ["/vigia"]
