# Throwaway image for bench/runtime.ts: the product image plus Debian's
# chromium-headless-shell (same source package and version as its chromium), which
# `browse serve` picks by itself when installed. Not published.
ARG IMAGE
FROM ${IMAGE}
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
USER node
