# Sourced by Debian's /usr/bin/chromium launcher (from /etc/chromium.d/) on every start,
# so `chromium`, puppeteer and the browse runtime all get the same container flags.
# CHROMIUM_EXTRA_FLAGS (image ENV, overridable with `docker run -e`) carries the defaults.
export CHROMIUM_FLAGS="$CHROMIUM_FLAGS ${CHROMIUM_EXTRA_FLAGS:-}"
# Under QEMU user-mode emulation (an arm64 image on an x86 host, or the reverse) Chromium's
# zygote aborts ("GPU process isn't usable"). QEMU's own helper thread shows up in every
# emulated process's task list, so a single-threaded shell with two tasks is emulated.
# Native runs (Graviton, x86) keep the zygote: each page then starts faster.
if [ "${CHROMIUM_ZYGOTE:-auto}" = off ] || { [ "${CHROMIUM_ZYGOTE:-auto}" = auto ] && [ "$(ls /proc/$$/task | wc -l)" -gt 1 ]; }; then
  export CHROMIUM_FLAGS="$CHROMIUM_FLAGS --no-zygote"
fi
