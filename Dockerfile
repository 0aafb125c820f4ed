# Production image: build with the pinned toolchain, run as an unprivileged user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin motcua

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --home /var/lib/motcua motcua \
    && mkdir -p /var/lib/motcua && chown motcua /var/lib/motcua
COPY --from=build /src/target/release/motcua /usr/local/bin/motcua
USER motcua
WORKDIR /var/lib/motcua
ENV MOTCUA_LISTEN=0.0.0.0:8080 MOTCUA_DATA_DIR=/var/lib/motcua/data TZ=Asia/Ho_Chi_Minh
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["curl", "-fsS", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["/usr/local/bin/motcua"]
CMD ["serve"]
