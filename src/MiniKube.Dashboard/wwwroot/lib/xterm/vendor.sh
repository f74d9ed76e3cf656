#!/usr/bin/env bash
# Refreshes the vendored xterm.js files in this folder from the npm registry (the dashboard serves them as static files:
# no CDN, no build step at run time). Only the three files the page loads are kept, with the packages' licenses.
#   src/MiniKube.Dashboard/wwwroot/lib/xterm/vendor.sh [XTERM_VERSION] [FIT_VERSION]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
xterm="${1:-6.0.0}"
fit="${2:-0.11.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@xterm/xterm@$xterm" "@xterm/addon-fit@$fit" >/dev/null
mkdir xterm fit
tar xzf "xterm-xterm-$xterm.tgz" -C xterm
tar xzf "xterm-addon-fit-$fit.tgz" -C fit
cp xterm/package/lib/xterm.js xterm/package/css/xterm.css "$here/"
cp xterm/package/LICENSE "$here/LICENSE.xterm"
cp fit/package/lib/addon-fit.js "$here/"
cp fit/package/LICENSE "$here/LICENSE.addon-fit"
printf '@xterm/xterm %s\n@xterm/addon-fit %s\n' "$xterm" "$fit" > "$here/VERSIONS"
