#!/usr/bin/env bash
# Packs the built CLI into an archive an operator runs without Maven, npm or a JDK (docs/operate.md):
#   verity-VERSION-OS-ARCH.tar.gz
#     verity-VERSION/bin/verity    the launcher (tools/dist/verity): runtime/bin/java -cp 'lib/*' io.verity.cli.Main
#     verity-VERSION/runtime/      a Java runtime trimmed by jlink to the JDK modules the jars use
#     verity-VERSION/lib/          the CLI's runtime class path (cli/target/lib, ONNX Runtime's native jar included)
#                                  and verity-cli.jar; the contract artifacts `chain deploy` needs are in verity-chain
# Usage: JAVA_HOME=JDK tools/dist/dist.sh [OUT_DIR]   (default cli/target/dist; ./verity dist builds first, then runs this)
# Reads only what `mvnw package` left in cli/target. Prints the archive's path. Idempotent: when no input changed
# (the jars, this script, the launcher, the JDK) it only prints the path; the runtime is re-linked only when the
# module set or the JDK changed, and jdeps re-runs only over jars that changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/cli/target/dist}"
CLI="$ROOT/cli/target"
: "${JAVA_HOME:?JAVA_HOME must name a JDK (jlink and jdeps come from it)}"
die() { printf 'dist: %s\n' "$*" >&2; exit 2; }
[ -f "$CLI/verity-cli.jar" ] && [ -d "$CLI/lib" ] || die "no build in $CLI: run ./verity build (or mvnw package) first"
[ -x "$JAVA_HOME/bin/jlink" ] || die "$JAVA_HOME has no jlink: a full JDK is needed to build the runtime"

VERSION="$(sed -n 's/^version=//p' "$CLI/maven-archiver/pom.properties")"
case "$(uname -m)" in x86_64|amd64) ARCH=x64 ;; aarch64|arm64) ARCH=aarch64 ;; *) ARCH="$(uname -m)" ;; esac
OS="$(uname -s | tr '[:upper:]' '[:lower:]')"
NAME="verity-$VERSION"
ARCHIVE="$OUT/$NAME-$OS-$ARCH.tar.gz"
JDK_VERSION="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$JAVA_HOME/release")"
mkdir -p "$OUT"

# Everything the archive is made of, with sizes and times: the archive is rebuilt only when this changes.
inputs() {
  echo "jdk $JAVA_HOME $JDK_VERSION"
  (cd "$ROOT" && ls -l --time-style=+%s tools/dist/dist.sh tools/dist/verity cli/target/verity-cli.jar cli/target/lib/)
}
if [ -f "$ARCHIVE" ] && [ -f "$OUT/inputs.txt" ] && [ "$(inputs)" = "$(cat "$OUT/inputs.txt")" ]; then
  echo "$ARCHIVE"; exit 0
fi

# jdeps over a set of jars, cached under a key: third-party jars by their names (they carry versions),
# Verity's own by content (they change with every build).
jdeps_cached() { # KEY JAR...
  local key="$1" cache; shift
  cache="$OUT/jdeps-$(printf '%s\n' "$key" "$JDK_VERSION" | sha256sum | cut -c1-16).txt"
  if [ ! -s "$cache" ]; then
    "$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 21 "$@" 2>/dev/null | tail -n1 > "$cache.tmp"
    grep -q '^java\.base' "$cache.tmp" || die "jdeps found no modules in $*"
    mv "$cache.tmp" "$cache"
  fi
  cat "$cache"
}
say() { printf 'dist: %s\n' "$*" >&2; }
say "finding the JDK modules the jars use (jdeps)"
ours=("$CLI/verity-cli.jar" "$CLI"/lib/verity-*.jar)
theirs=(); for j in "$CLI"/lib/*.jar; do case "$(basename "$j")" in verity-*) ;; *) theirs+=("$j") ;; esac; done
# Added by name, as jdeps cannot see them: they are services found at run time, not classes linked against.
#  jdk.crypto.ec: elliptic-curve TLS key exchange (an https RPC endpoint) on JDK 21, where EC is not yet in java.base;
#  jdk.zipfs: the jar: file system Jetty 12 mounts to serve a directory of classpath resources (the explorer's static
#  files; without it the explorer does not start, DistIT);
#  jdk.incubator.vector: verity-det/3's kernels (the launcher adds it; jdeps may not list an incubator module);
#  jdk.localedata is left out on purpose (messages and numbers are formatted in the root locale).
extra=jdk.crypto.ec,jdk.zipfs,jdk.incubator.vector
modules="$( { jdeps_cached "theirs $(cd "$CLI/lib" && ls | grep -v '^verity-')" "${theirs[@]}"
              jdeps_cached "ours $(cat "${ours[@]}" | sha256sum)" "${ours[@]}"
              echo "$extra"; } | tr ',' '\n' | sort -u | paste -sd, -)"

RUNTIME="$OUT/runtime"
if [ ! -x "$RUNTIME/bin/java" ] || [ "$(cat "$OUT/runtime.txt" 2>/dev/null)" != "$JDK_VERSION $modules" ]; then
  say "linking a Java $JDK_VERSION runtime with $modules"
  rm -rf "$RUNTIME" "$OUT/runtime.txt"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
      --output "$RUNTIME" >&2 || die "jlink failed"
  echo "$JDK_VERSION $modules" > "$OUT/runtime.txt"
fi

say "packing $ARCHIVE"
STAGE="$OUT/stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/$NAME/bin" "$STAGE/$NAME/lib"
cp -a "$RUNTIME" "$STAGE/$NAME/runtime"
cp -l "$CLI/verity-cli.jar" "$CLI"/lib/*.jar "$STAGE/$NAME/lib/" 2>/dev/null || cp "$CLI/verity-cli.jar" "$CLI"/lib/*.jar "$STAGE/$NAME/lib/"
install -m 0755 "$ROOT/tools/dist/verity" "$STAGE/$NAME/bin/verity"
printf '%s\n' "verity $VERSION, Java runtime $JDK_VERSION ($modules)" > "$STAGE/$NAME/VERSION"
# jars are compressed already: the fastest gzip level costs little size
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -cf - "$NAME" | gzip -1 > "$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"
rm -rf "$STAGE"
inputs > "$OUT/inputs.txt"
echo "$ARCHIVE"
