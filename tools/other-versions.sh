#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds ws.so against other Wireshark releases, each in a Debian chroot (trixie:
# Wireshark 4.4, sid: 4.6), and checks that the chroot's own tshark loads and uses it.
# See docs/other-versions.md. Run as root (chroot, mount).
#
# Usage: tools/other-versions.sh [options] [CHROOT...]
#   CHROOT      a name under $WS_CHROOT_BASE (default /srv/chroot) or a path;
#               default: trixie sid
#   --create    debootstrap (minbase) a chroot that does not exist yet, from the
#               Debian mirror the host's apt uses (or $WS_MIRROR)
#   --prepare   only make the chroots ready (--create, the packages): no build, no test
#               (tools/test.sh runs this in the background while the host's tests run)
#   --no-apt    do not apt-get anything inside the chroots
#   --head      check git HEAD (git archive) instead of the working tree
#   --werror    build with -DWS_WERROR=ON
#   --pytest "ARGS"   what pytest runs inside the chroot, relative to the tree
#               (default: the files in WS_PYTEST_DEFAULT below); --pytest none: skip
#   --all-tests the whole end-to-end suite (tests/difftest tests/dissection)
# Logs: build-other-versions/<chroot>/ in the tree (ignored by git).
# Exit status: 0 when every check passed on every chroot, 1 otherwise, 2 on usage errors.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BASE=${WS_CHROOT_BASE:-/srv/chroot}
WS_PYTEST_DEFAULT="tests/dissection/test_seed.py tests/dissection/test_edge.py tests/dissection/test_hostile.py tests/dissection/test_messages.py tests/dissection/test_ports.py tests/dissection/test_tls.py"
DEBS=(libwireshark-dev wireshark-dev tshark cmake make gcc libc6-dev pkg-config zlib1g-dev libglib2.0-dev
      python3 python3-pytest python3-pytest-xdist util-linux)
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)

create=0 apt=1 head=0 werror=0 prepare=0 pytest_args=$WS_PYTEST_DEFAULT
chroots=()
while [ $# -gt 0 ]; do
    case "$1" in
        --create) create=1 ;;
        --prepare) prepare=1 ;;
        --no-apt) apt=0 ;;
        --head) head=1 ;;
        --werror) werror=1 ;;
        --pytest) shift; pytest_args=${1:?--pytest needs an argument} ;;
        --all-tests) pytest_args="tests/difftest tests/dissection" ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
        *) chroots+=("$1") ;;
    esac
    shift
done
[ ${#chroots[@]} -eq 0 ] && chroots=(trixie sid)
[ "$(id -u)" -eq 0 ] || { echo "run as root (chroot, mount)" >&2; exit 2; }

MOUNTED=()
cleanup() {
    local m
    for m in "${MOUNTED[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
}
trap cleanup EXIT

# The Debian mirror the host's apt is set up with (deb822 .sources or sources.list).
host_mirror() {
    local u
    u=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1)
    [ -n "$u" ] || u=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                       awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | grep -E '/debian/?$' | head -n1)
    echo "${WS_MIRROR:-${u:-http://deb.debian.org/debian}}"
}

declare -A RESULT
overall=0

# Makes chroot C ready: debootstrap it (--create) when it has no apt-get, mount /proc,
# install what is missing of DEBS. Logs in $2. Returns 1 with the reason in PREP_ERR.
PREP_ERR=""
prepare_chroot() {
    local C=$1 log=$2 name t0=$SECONDS
    name=$(basename "$C")
    in_c() { chroot "$C" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"; }
    mkdir -p "$log"
    if [ ! -x "$C/usr/bin/apt-get" ]; then
        if [ "$create" -ne 1 ]; then
            PREP_ERR="no chroot at $C (--create makes one)"; return 1
        fi
        local mirror; mirror=$(host_mirror)
        command -v debootstrap >/dev/null || { PREP_ERR="debootstrap is not installed"; return 1; }
        echo "[$name] debootstrap --variant=minbase $name $C $mirror"
        # Into C.partial, renamed when complete: an interrupted run leaves no half chroot.
        rm -rf "$C.partial"; mkdir -p "$(dirname "$C")"
        debootstrap --variant=minbase "$name" "$C.partial" "$mirror" > "$log/debootstrap.log" 2>&1 ||
            { PREP_ERR="debootstrap failed (see $log/debootstrap.log)"; return 1; }
        mv "$C.partial" "$C"
        echo "[$name] debootstrap: $((SECONDS - t0)) s"
    fi
    mountpoint -q "$C/proc" || { mount -t proc proc "$C/proc" && MOUNTED+=("$C/proc"); }
    cp -L /etc/resolv.conf "$C/etc/resolv.conf" 2>/dev/null
    if [ "$apt" -eq 1 ]; then
        local missing=() p t1=$SECONDS
        for p in "${DEBS[@]}"; do
            in_c dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        if [ ${#missing[@]} -gt 0 ]; then
            echo "[$name] apt-get install ${missing[*]}"
            # dpkg --configure -a: finishes what an interrupted earlier run left unpacked.
            { in_c dpkg --configure -a &&
              in_c env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update &&
              in_c env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${missing[@]}"; } \
                > "$log/apt.log" 2>&1 || { PREP_ERR="apt-get failed (see $log/apt.log)"; return 1; }
            echo "[$name] apt-get: $((SECONDS - t1)) s"
        fi
    fi
    return 0
}

check_chroot() {
    local arg=$1 C name log
    case "$arg" in /*) C=$arg ;; *) C=$BASE/$arg ;; esac
    name=$(basename "$C")
    log=$ROOT/build-other-versions/$name
    local fails=() warns=()
    say() { echo "[$name] $*"; }
    fail() { say "FAIL: $*"; fails+=("$*"); }
    in_c() { chroot "$C" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"; }

    if [ "$prepare" -eq 1 ]; then
        # Its own log folder: the checks of a later run start by emptying theirs.
        if prepare_chroot "$C" "$ROOT/build-other-versions/prepare-$name"; then
            RESULT[$name]="ready: $(in_c tshark --version 2>/dev/null | head -n1)"; return 0
        fi
        fail "$PREP_ERR"; RESULT[$name]="FAIL: ${fails[*]}"; return 1
    fi
    rm -rf "$log"; mkdir -p "$log"
    prepare_chroot "$C" "$log" || { fail "$PREP_ERR"; RESULT[$name]="FAIL: ${fails[*]}"; return 1; }
    local version
    version=$(in_c tshark --version 2>/dev/null | head -n1)
    [ -n "$version" ] || { fail "no tshark in the chroot"; RESULT[$name]="FAIL: ${fails[*]}"; return 1; }
    say "$version (libwireshark-dev $(in_c dpkg-query -W -f='${Version}' libwireshark-dev 2>/dev/null), $(in_c gcc --version | head -n1))"
    in_c tshark --version > "$log/tshark-version.txt" 2>&1

    # The tree, at /ws-src in the chroot.
    local src=$C/ws-src
    rm -rf "$src"; mkdir -p "$src"
    if [ "$head" -eq 1 ]; then
        git -C "$ROOT" archive HEAD | tar -C "$src" -xf -
        say "source: git HEAD $(git -C "$ROOT" rev-parse --short HEAD)"
    else
        tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=node_modules \
            --exclude=__pycache__ --exclude=.pytest_cache -cf - . | tar -C "$src" -xf -
        say "source: working tree at $(git -C "$ROOT" rev-parse --short HEAD), $(git -C "$ROOT" status --porcelain | wc -l) path(s) changed or untracked"
        git -C "$ROOT" status --porcelain > "$log/source-status.txt"
    fi
    chmod -R a+rX "$src"

    # Build (and the core's unit tests, which need no Wireshark).
    local werr=OFF t_build=$SECONDS; [ "$werror" -eq 1 ] && werr=ON
    if in_c sh -c "cd /ws-src && cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR=$werr &&
                   cmake --build build -j$(nproc)" > "$log/build.log" 2>&1; then
        say "build: ok ($((SECONDS - t_build)) s)"
    else
        fail "build failed (see $log/build.log)"
    fi
    grep -E '(warning|error):' "$log/build.log" | sort -u > "$log/diagnostics.txt"
    local nwarn nerr
    nwarn=$(grep -c 'warning:' "$log/diagnostics.txt"); nerr=$(grep -c 'error:' "$log/diagnostics.txt")
    say "compiler: $nwarn warning(s), $nerr error(s)"
    [ -s "$log/diagnostics.txt" ] && sed 's/^/    /' "$log/diagnostics.txt"
    [ "$nwarn" -gt 0 ] && warns+=("$nwarn compiler warning(s)")
    local so=$src/build/plugin/ws.so
    if [ ! -f "$so" ]; then
        RESULT[$name]="FAIL: ${fails[*]} | $version"; return 1
    fi
    if in_c sh -c "cd /ws-src && ctest --test-dir build --output-on-failure" > "$log/ctest.log" 2>&1; then
        say "ctest: $(grep -E 'tests passed' "$log/ctest.log")"
    else
        fail "ctest: $(grep -E 'tests passed|tests failed' "$log/ctest.log")"
    fi

    # tshark as nobody (root loads no personal plugins), with two private HOMEs: one
    # whose personal plugin folder holds our ws.so, one without (the baseline).
    local T=/tmp/ws-other-versions
    rm -rf "$C$T"; mkdir -p "$C$T/home" "$C$T/base" "$C$T/cap"
    cp "$ROOT/test-captures/seed.pcapng" "$C$T/cap/"
    chroot "$C" chown -R nobody:nogroup "$T"
    chmod -R a+rX "$C$T"
    ts() {  # ts HOME args...
        local h=$1; shift
        chroot "$C" setpriv --reuid=nobody --regid=nogroup --clear-groups \
            /usr/bin/env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 HOME="$h" tshark "$@"
    }
    local pdir
    pdir=$(ts "$T/home" -G folders 2>/dev/null | awk -F'\t' '/^Personal Plugins:/ {gsub(/^[ \t]+/, "", $2); print $2}')
    [ -n "$pdir" ] || pdir=$T/home/.local/lib/wireshark/plugins/$(echo "$version" | sed -E 's/.* ([0-9]+\.[0-9]+)\..*/\1/')
    mkdir -p "$C$pdir/epan"
    cp "$so" "$C$pdir/epan/ws.so"
    chroot "$C" chown -R nobody:nogroup "$T"
    say "plugin copied to $pdir/epan/ws.so (the personal plugin folder of HOME=$T/home)"

    # 1. -G plugins lists our ws.so.
    ts "$T/home" -G plugins > "$log/G-plugins.txt" 2> "$log/G-plugins.err"
    if grep -E "^ws\.so" "$log/G-plugins.txt" | grep -qF "$pdir/epan/ws.so"; then
        say "-G plugins: $(grep -E '^ws\.so' "$log/G-plugins.txt" | tr '\t' ' ')"
    else
        fail "-G plugins does not list $pdir/epan/ws.so: $(grep -E '^ws\.so' "$log/G-plugins.txt" | tr '\t' ' ') $(head -c 400 "$log/G-plugins.err")"
    fi

    # 2. The registration reports run clean, with and without the plugin.
    local rep rc
    for rep in protocols dissector-tables heuristic-decodes fields decodes defaultprefs dissectors; do
        ts "$T/home" -G "$rep" > "$log/G-$rep.txt" 2> "$log/G-$rep.err"; rc=$?
        ts "$T/base" -G "$rep" > "$log/base-G-$rep.txt" 2> "$log/base-G-$rep.err"
        if [ "$rep" = dissectors ] && grep -q 'Invalid "dissectors" option' "$log/G-$rep.err"; then
            say "-G dissectors: not in this release (4.2 on)"; : > "$log/G-$rep.txt"; : > "$log/base-G-$rep.txt"; continue
        fi
        if [ "$rc" -ne 0 ] || grep -qiE 'duplicate|error|critical|abort|assert' "$log/G-$rep.err"; then
            fail "-G $rep: exit $rc: $(head -c 600 "$log/G-$rep.err")"
        elif [ -s "$log/G-$rep.err" ] && ! cmp -s "$log/G-$rep.err" "$log/base-G-$rep.err"; then
            say "-G $rep: exit 0, but stderr: $(head -c 300 "$log/G-$rep.err")"; warns+=("-G $rep wrote to stderr")
        else
            say "-G $rep: exit 0, $(wc -l < "$log/G-$rep.txt") lines, no error"
        fi
    done

    # 3. Name collisions: what the plugin adds to each report, against the baseline.
    python3 - "$log" > "$log/names.txt" 2>&1 <<'EOF'
import sys
log = sys.argv[1]
def rows(f):
    return [l.rstrip("\n").split("\t") for l in open("%s/%s" % (log, f), encoding="utf-8", errors="replace") if l.strip()]
bad = []
def added(rep):
    base = set("\t".join(r) for r in rows("base-G-%s.txt" % rep))
    return [r for r in rows("G-%s.txt" % rep) if "\t".join(r) not in base]
# protocols: name, short name, filter name
prot = rows("G-protocols.txt")
new = added("protocols")
print("protocols added:", ["/".join(r[:3]) for r in new])
# ws, ws-messages (the protocol that names Export Objects' entry, plugin/ws-export.c) and socketio (plugin/socketio.c).
if sorted(r[2] for r in new) != ["socketio", "ws", "ws-messages"]:
    bad.append("protocols added: %s (want filters socketio, ws and ws-messages)" % [r[:3] for r in new])
for col, what in ((0, "name"), (1, "short name"), (2, "filter name")):
    for r in new:
        n = sum(1 for p in prot if p[col] == r[col])
        if n != 1:
            bad.append("protocol %s %r used %d times" % (what, r[col], n))
        alike = ["/".join(p[:3]) for p in prot if p[col].lower() == r[col].lower() and p[col] != r[col]]
        if alike:
            print("  (only the case differs from our %s %r: %s)" % (what, r[col], alike))
builtin = [p for p in prot if p[2] == "websocket"]
print("built-in:", ["/".join(p[:3]) for p in builtin])
if not builtin or builtin[0][0] != "WebSocket":
    bad.append("built-in WebSocket protocol (filter websocket) not found")
# dissector tables: the plugin registers one, ws.tcp.port (Decode As of message contents,
# plugin/ws-deliver.c); ws.port and ws.protocol are the built-in's
new = added("dissector-tables")
tabs = rows("G-dissector-tables.txt")
print("dissector tables added:", [r[0] for r in new])
if sorted(r[0] for r in new) != ["ws.tcp.port"]:
    bad.append("dissector tables added: %s (want ws.tcp.port)" % [r[0] for r in new])
for r in new:
    if sum(1 for t in tabs if t[0] == r[0]) != 1:
        bad.append("dissector table %r registered more than once" % r[0])
for t in ("ws.port", "ws.protocol"):
    own = [r for r in tabs if r[0] == t]
    print("table %s:" % t, ["/".join(r) for r in own])
    if len(own) != 1 or "WebSocket" not in own[0]:
        bad.append("table %s: %s (want one, the built-in WebSocket's)" % (t, own))
# heuristics: list, protocol filter name, enabled, then (after 4.0) enabled by
# default, short name, display name
heur = rows("G-heuristic-decodes.txt")
new = added("heuristic-decodes")
print("heuristics added:", ["/".join(r) for r in new])
if sorted((r[0], r[1]) for r in new) != [("tcp", "ws"), ("tls", "ws"), ("ws", "socketio")]:
    bad.append("heuristics added: %s (want the ws protocol's on tcp and on tls, socketio's on the ws list)" % new)
if all(len(r) > 4 for r in heur):
    if sorted(r[4] for r in new) != ["socketio_ws", "ws_tcp", "ws_tls"]:
        bad.append("heuristic short names added: %s (want socketio_ws, ws_tcp, ws_tls)" % [r[4] for r in new])
    for r in new:
        n = sum(1 for h in heur if h[4] == r[4])
        if n != 1:
            bad.append("heuristic short name %s used %d times" % (r[4], n))
else:
    print("  (this tshark does not print heuristic short names: a duplicate would have aborted it)")
print("heuristics on the ws list:", ["/".join(h[:3]) for h in heur if h[0] == "ws"])
# fields: P/F lines, abbreviation in column 3 (F: name, abbrev, type, parent, ...)
base_f = {}
for r in rows("base-G-fields.txt"):
    if len(r) > 2:
        base_f.setdefault(r[2], []).append(r)
fields = [r for r in rows("G-fields.txt") if len(r) > 4 and r[0] == "F"]
new = [r for r in added("fields") if r[0] == "F"]
print("fields added: %d, parents: %s" % (len(new), sorted(set(r[4] for r in new))))
for r in new:
    # ws.* under ws, socketio.* under socketio (plugin/socketio.c), nothing else
    if r[4] not in ("ws", "socketio") or not r[2].startswith(r[4] + "."):
        bad.append("field %s added under protocol %s" % (r[2], r[4]))
    if r[2] in base_f:
        bad.append("field %s already registered by Wireshark: %s" % (r[2], base_f[r[2]]))
    if r[2] in (t[0] for t in tabs):
        bad.append("field %s has the name of a dissector table" % r[2])
ws_fields = [r for r in fields if r[2] == "ws" or r[2].startswith("ws.")]
print("fields named ws.*: %d, all under protocol ws: %s" % (len(ws_fields), all(r[4] == "ws" for r in ws_fields)))
for r in ws_fields:
    if r[4] != "ws":
        bad.append("field %s belongs to %s" % (r[2], r[4]))
# preferences: ours under ws., none of the built-in's websocket. ones changed
new = [r for r in added("defaultprefs")]
names = sorted(set(l.split(":")[0].lstrip("#") for l in ("\t".join(r) for r in new) if l.lstrip("#").startswith("ws.")))
print("preferences added:", names)
base_pref = "\n".join("\t".join(r) for r in rows("base-G-defaultprefs.txt"))
for n in names:
    if ("\n" + n + ":") in base_pref or ("\n#" + n + ":") in base_pref:
        bad.append("preference %s already exists" % n)
# registered dissector names (-G dissectors, 4.2 on): name, protocol short name
dis = rows("G-dissectors.txt")
if dis:
    new = added("dissectors")
    print("dissector names added:", ["/".join(r) for r in new])
    want = ["socketio", "ws_plugin_port_guard", "ws_plugin_tcp", "ws_plugin_upgrade", "ws_plugin_upgrade_router"]
    if sorted(r[0] for r in new) != want:
        bad.append("dissector names added: %s (want %s)" % ([r[0] for r in new], want))
    for r in new:
        n = sum(1 for d in dis if d[0] == r[0])
        if n != 1:
            bad.append("dissector name %s registered %d times" % (r[0], n))
    print("built-in's dissector names:", ["/".join(d) for d in dis if d[0].startswith("websocket")])
    if "websocket" not in (d[0] for d in dis):
        bad.append("the built-in's dissector name websocket is missing")
else:
    print("  (this tshark has no -G dissectors: a duplicate dissector name is not checked)")
for b in bad:
    print("COLLISION:", b)
print("collisions: %d" % len(bad))
sys.exit(1 if bad else 0)
EOF
    if [ $? -eq 0 ]; then say "names: no collision"; else fail "name check: $(grep COLLISION "$log/names.txt" | tr '\n' ';')"; fi
    sed 's/^/    /' "$log/names.txt"

    # 4. The seed capture decodes.
    ts "$T/home" -r "$T/cap/seed.pcapng" -Y ws -T fields -e ws.opcode > "$log/seed.txt" 2> "$log/seed.err"; rc=$?
    if [ "$rc" -eq 0 ] && [ "$(tr '\n' ' ' < "$log/seed.txt")" = "1 1 " ]; then
        say "seed.pcapng -Y ws -e ws.opcode: $(tr '\n' ' ' < "$log/seed.txt")(2 text frames)"
    else
        fail "seed.pcapng decode: exit $rc, got '$(tr '\n' ' ' < "$log/seed.txt")' $(head -c 300 "$log/seed.err")"
    fi

    # 5. The project's own end-to-end tests, with the chroot's tshark (tests/tsharkenv.py
    #    runs the tshark on PATH, so pytest runs inside the chroot).
    if [ "$pytest_args" != "none" ]; then
        local t_py=$SECONDS
        in_c sh -c "cd /ws-src && WS_PLUGIN=/ws-src/build/plugin/ws.so python3 -m pytest -q -rfEsx -p no:cacheprovider -n $(nproc) --dist loadfile $pytest_args" \
            > "$log/pytest.log" 2>&1; rc=$?
        local summary; summary=$(grep -E '^=+ .*(passed|failed|error|skipped).* =+$|^[0-9]+ (passed|failed)' "$log/pytest.log" | tail -n1)
        if [ "$rc" -eq 0 ]; then
            say "pytest ($pytest_args): $summary ($((SECONDS - t_py)) s)"
        else
            fail "pytest exit $rc: $summary"
            grep -E '^(FAILED|ERROR) ' "$log/pytest.log" | sed 's/^/    /'
        fi
        grep -E '^(SKIPPED|XFAIL) ' "$log/pytest.log" | sed 's/^/    /'
    fi

    if [ ${#fails[@]} -eq 0 ]; then
        RESULT[$name]="ok${warns:+ (${warns[*]})} | $version"
        return 0
    fi
    RESULT[$name]="FAIL: $(IFS=';'; echo "${fails[*]}") | $version"
    return 1
}

for c in "${chroots[@]}"; do
    check_chroot "$c" || overall=1
done
echo "== summary"
for c in "${chroots[@]}"; do
    n=$(basename "$c")
    echo "$n: ${RESULT[$n]:-not run}"
done
exit $overall
