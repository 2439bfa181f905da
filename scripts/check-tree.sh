#!/usr/bin/env bash
# Fails when the tree tracks build output: a file over 5 MB or an executable binary (ELF,
# Mach-O, PE). A 35 MB stale build of vigia once sat at the root and shipped in every image.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((5 * 1000 * 1000))
bad=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$limit" ]; then
    echo "check-tree: $f is $size bytes (limit $limit): build output or data that belongs outside git" >&2
    bad=1
  fi
  # Magic numbers: ELF, Mach-O (32/64, both orders, fat), PE ("MZ").
  magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
  case "$magic" in
    7f454c46|feedface|feedfacf|cefaedfe|cffaedfe|cafebabe|4d5a9000)
      echo "check-tree: $f is an executable binary: build into bin/ (git-ignored) instead" >&2
      bad=1 ;;
  esac
done < <(git ls-files -z)
exit $bad
