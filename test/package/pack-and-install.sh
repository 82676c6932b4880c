#!/usr/bin/env bash
# The package as users get it: `npm pack` (prepack builds from clean), the tarball installed into a
# fresh project outside the repository, then there: an ES module import that trains, require() from
# CommonJS, the typings of each export condition, `npx scratchnet --version` and `--help`, and a Vite
# production build of a page loaded in Chromium. Offline: the package has no runtime dependencies,
# and vite, playwright-core and typescript are linked in from the repository's node_modules (their
# own files only: the project sees none of the repository's sources).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/scratchnet-package-XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$repo"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
tarball="$(ls "$work"/scratchnet-*.tgz)"
tar -tzf "$tarball" >"$work/files.txt"
echo "package: $(basename "$tarball"), $(stat -c %s "$tarball") bytes packed, $(wc -l <"$work/files.txt") files"
if grep -E '\.map$|^package/src/' "$work/files.txt"; then echo 'package: the tarball holds source maps or sources' >&2; exit 1; fi
for f in package/dist/index.js package/dist/cli/scratchnet.js package/dist/browser.d.ts package/build/scratchnet.wasm package/build/scratchnet-threads.wasm package/LICENSE package/CHANGELOG.md package/docs/training.md; do
  grep -qx "$f" "$work/files.txt" || { echo "package: the tarball lacks $f" >&2; exit 1; }
done

app="$work/app"
cp -r "$repo/test/package/app" "$app"
cd "$app"
npm install --offline --no-audit --no-fund --ignore-scripts "$tarball" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
for tool in vite playwright-core typescript; do ln -s "$repo/node_modules/$tool" "node_modules/$tool"; done

node esm.mjs
node cjs.cjs
node node_modules/typescript/bin/tsc -p types/tsconfig.node.json
node node_modules/typescript/bin/tsc -p types/tsconfig.browser.json
echo "types: Node's typings for the default condition, dist/browser.d.ts for browser"

version="$(npm_config_offline=true npx scratchnet --version)"
expected="$(node -p "require('scratchnet/package.json').version")"
[ "$version" = "$expected" ] || { echo "package: npx scratchnet --version printed '$version', expected $expected" >&2; exit 1; }
help="$(npm_config_offline=true npx scratchnet --help)"
grep -q '^Usage: scratchnet <command>' <<<"$help" || { echo "package: npx scratchnet --help printed no usage: $help" >&2; exit 1; }
echo "cli: npx scratchnet --version -> $version; --help lists the commands"

node browser.mjs
echo 'package: every check passed'
