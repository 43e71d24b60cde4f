#!/usr/bin/env bash
# Compare `vigil top users` with mawk computing the same per-user totals, and with `wc -l`,
# on one generated Squid log of N lines (default 10,000,000, about 1.3 GB).
#
#   benches/compare.sh [N]
#
# Each command runs three times on a warm page cache; the best wall time counts. vigil's peak
# anonymous memory (RssAnon: heap, not the mapped log) comes from VIGIL_MEMSTATS=1. The two
# outputs are compared row by row after mapping awk's raw user names (KBA%5Cname) to vigil's
# canonical ones (name). Set VIGIL_BENCH_DIR to keep the generated file between runs.
set -euo pipefail

lines=${1:-10000000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${VIGIL_BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
command -v mawk >/dev/null || { echo "compare.sh needs mawk (apt-get install mawk)" >&2; exit 2; }

(cd "$root" && cargo build --release --quiet)
vigil=$root/target/release/vigil
log=$work/gen-$lines/proxy/access.log
if [ ! -f "$log" ]; then
    "$vigil" generate --out "$work/gen-$lines" --lines "$lines" --no-rotate --pupils 1200 --staff 140 --guests 20 >/dev/null
fi
bytes=$(stat -c %s "$log")
count=$(wc -l < "$log")
cat "$log" > /dev/null   # warm the page cache

best() { # best wall time of three runs of "$@" (stdout to $out)
    local t b=""
    for _ in 1 2 3; do
        local s e
        s=$(date +%s.%N); "$@" > "$out"; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    printf '%.3f' "$b"
}

awk_prog='{ r[$8]++; b[$8] += $5; if ($4 ~ /DENIED/ && $4 !~ /\/407$/) d[$8]++ }
END { for (u in r) printf "%s,%d,%.0f,%d\n", u, r[u], b[u], d[u] }'

out=$work/wc.out;    t_wc=$(best wc -l "$log")
out=$work/awk.csv;   t_awk=$(best mawk "$awk_prog" "$log")
out=$work/vigil.csv; t_vigil=$(best "$vigil" top users --limit 0 --output csv "$log")
VIGIL_MEMSTATS=1 "$vigil" top users --limit 0 --output csv "$log" 2> "$work/mem.txt" > /dev/null
mem=$(grep -o 'peak RssAnon [0-9.]* MiB' "$work/mem.txt" | grep -o '[0-9.]*')

# Same totals? awk keys raw names; vigil keys canonical ones.
sed -e 's/^KBA%5C//' "$work/awk.csv" | tr 'A-Z' 'a-z' | sort > "$work/awk.sorted"
tail -n +2 "$work/vigil.csv" | sort > "$work/vigil.sorted"
if cmp -s "$work/awk.sorted" "$work/vigil.sorted"; then same=yes; else same=NO; fi

mb=$(echo "$bytes / 1000000" | bc -l)
printf 'file: %s (%d lines, %.0f MB)\n' "$log" "$count" "$mb"
printf '%-22s %8s %10s %12s\n' command seconds MB/s lines/s
for row in "wc -l:$t_wc" "mawk per-user totals:$t_awk" "vigil top users:$t_vigil"; do
    name=${row%%:*}; t=${row##*:}
    printf '%-22s %8.3f %10.0f %12.0f\n' "$name" "$t" "$(echo "$mb / $t" | bc -l)" "$(echo "$count / $t" | bc -l)"
done
printf 'vigil is %.2fx faster than mawk and %.2fx the time of wc -l\n' \
    "$(echo "$t_awk / $t_vigil" | bc -l)" "$(echo "$t_vigil / $t_wc" | bc -l)"
printf 'vigil peak RssAnon: %s MiB (%.0f%% of the file)\n' "$mem" "$(echo "100 * $mem * 1048576 / $bytes" | bc -l)"
printf 'identical per-user totals: %s (%d users)\n' "$same" "$(wc -l < "$work/vigil.sorted")"
[ "$same" = yes ]
