#!/usr/bin/env bash
# Installs what scripts/check-book-in-browser.py needs, when it is missing:
# Chromium, its WebDriver (chromedriver) and a font with Chinese characters, so
# that the Chinese book's pages and pictures are drawn as a reader sees them.
# Knows apt-get (Debian's chromium, chromium-driver, fonts-noto-cjk), dnf and
# zypper (chromium, chromedriver, google-noto-sans-cjk-fonts) and pacman
# (chromium, which has chromedriver, and noto-fonts-cjk). Uses sudo when not run
# as root.
set -euo pipefail
. "$(dirname "$0")/package-manager.sh"

browser() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
        || command -v google-chrome >/dev/null 2>&1
}
driver() {
    command -v chromedriver >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromedriver ] \
        || [ -x /usr/lib/chromium-browser/chromedriver ]
}
chinese_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

if ! browser; then
    install_package "the browser that checks the book" chromium chromium chromium
fi
if ! driver; then
    install_package "lets scripts/check-book-in-browser.py drive Chromium" \
        chromium-driver chromedriver chromium
fi
if ! chinese_font; then
    install_package "Chinese characters for the Chinese book" \
        fonts-noto-cjk google-noto-sans-cjk-fonts noto-fonts-cjk
fi
browser || { echo "error: Chromium is still missing after the install." >&2; exit 1; }
driver || { echo "error: chromedriver is still missing after the install." >&2; exit 1; }
chinese_font || { echo "error: no font with Chinese characters after the install." >&2; exit 1; }
