#!/usr/bin/env bash
# bench/cargo-many.sh OUTDIR [ELFDYN] — a 112-dylib Cargo build, the input of `make bench` 2c.
#
# Generates under OUTDIR a Cargo workspace of 111 library crates, every one of them
# `crate-type = ["dylib"]`, and one binary crate `app`, then builds it with
# `RUSTFLAGS="-C prefer-dynamic" cargo build --offline` (path dependencies only). So
# OUTDIR/target/debug/app needs 111 crate dylibs from target/debug/deps plus the
# toolchain's libstd-<hash>.so: 112 dylibs that only LD_LIBRARY_PATH=deps:rustlib finds.
#
# The graph is layered like a real project:
#   util_00            traits (Component, Codec), generic Pool<T>, checksum<T>, largest<T>
#   util_01..util_07   leaf utilities: every crate above uses util_00 and one or two of them
#   core_00..core_29   each uses util_00 and 3 to 4 of the other utilities
#   svc_00..svc_39     each uses 3 core crates and a utility
#   feat_00..feat_24   each uses 3 svc crates, a core crate and a utility
#   top_00..top_07     each uses 4 feat crates; `app` uses the 8 top crates (and util_00, util_03)
# Each crate has about 40 public items: 24 functions calling into its dependencies, statics
# read across crates, a Display and a Codec impl, a trait object (Box<dyn Component>),
# generics of util_00 and of its dependencies instantiated with its own types, two
# #[no_mangle] extern "C" functions. Every library crate is in the app's closure.
#
# Cached: if OUTDIR/target/debug/app and OUTDIR/env exist and OUTDIR/.stamp holds this
# script's checksum and the rustc version, nothing is generated or built. Otherwise the
# sources are regenerated, each file rewritten only if it changed (target/ is kept, so cargo
# rebuilds only what changed).
#
# Writes OUTDIR/env (shell-sourceable): APP, WORKSPACE, DEPS_DIR, RUST_LIBDIR, LIBPATH (the
# LD_LIBRARY_PATH value deps:rustlib), DYLIBS (the number of crate dylibs plus libstd that ldd
# resolves from those two directories: 112), BUILD_SECONDS (wall time of the last cargo build)
# and BUILD_KIND (fresh: target/ did not exist; update: it did).
#
# Checks, every time, and exits 1 with the reason when one fails: with LD_LIBRARY_PATH=LIBPATH,
# `ldd APP` finds every library and 112 of them in deps/ and the toolchain, `ldd -r APP`
# reports no undefined symbol, and the program runs. With ELFDYN (an elfdyn executable) also:
# `elfdyn tree --flat APP` resolves the same files as ldd (compared after realpath) and
# `elfdyn check-undefined APP` exits 0, both in that same environment.
#
# If cargo or rustc is missing: prints "skipped: <reason>" on stderr and exits 3.
set -euo pipefail

die() { echo "cargo-many.sh: ERROR: $*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR [ELFDYN]" >&2
  exit 2
fi
ELFDYN=""
if [ $# -eq 2 ]; then
  [ -x "$2" ] || die "$2 is not an executable"
  ELFDYN=$(realpath -- "$2")
fi

command -v cargo >/dev/null 2>&1 || { echo "skipped: cargo not found" >&2; exit 3; }
command -v rustc >/dev/null 2>&1 || { echo "skipped: rustc not found" >&2; exit 3; }
cargo --version >/dev/null 2>&1 || { echo "skipped: cargo not usable" >&2; exit 3; }

mkdir -p "$1"
WS=$(cd "$1" && pwd -P)
export LC_ALL=C
# A predictable build: default target dir (WS/target), host target, exactly our RUSTFLAGS.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_BUILD_TARGET \
      CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS LD_LIBRARY_PATH LD_PRELOAD

self="${BASH_SOURCE[0]}"
stamp="$(sha256sum <"$self" | cut -d' ' -f1) $(rustc --version)"
APP="$WS/target/debug/app"

# --- the crate graph --------------------------------------------------------------------
# Layers, bottom up: name prefix and size. 1 + 7 + 30 + 40 + 25 + 8 = 111 library crates.
layer_names=(util_00 util core svc feat top)
layer_sizes=(1 7 30 40 25 8)

crates=()                  # every library crate, bottom up
declare -A deps=()         # crate -> space-separated dependencies (library crates)
declare -A layer_of=()
layer_members() { # LAYER -> the crate names of that layer
  local l=$1 n=${layer_sizes[$1]} i
  if [ "$l" -eq 0 ]; then echo util_00; return; fi
  for ((i = 0; i < n; i++)); do
    if [ "$l" -eq 1 ]; then printf 'util_%02d\n' $((i + 1)); else printf '%s_%02d\n' "${layer_names[$l]}" "$i"; fi
  done
}
add_dep() { # CRATE DEP: once
  case " ${deps[$1]} " in *" $2 "*) ;; *) deps[$1]="${deps[$1]:+${deps[$1]} }$2" ;; esac
}

for l in 0 1 2 3 4 5; do
  mapfile -t cur < <(layer_members "$l")
  for c in "${cur[@]}"; do crates+=("$c"); layer_of[$c]=$l; deps[$c]=""; done
done
utils=(); mapfile -t utils < <(layer_members 1)
for l in 1 2 3 4 5; do
  mapfile -t cur < <(layer_members "$l")
  mapfile -t prev < <(layer_members $((l - 1)))
  n=${#cur[@]} np=${#prev[@]}
  fan=(0 1 3 3 3 4)      # dependencies taken from the layer right below
  declare -A used=()
  for ((i = 0; i < n; i++)); do
    c=${cur[$i]}
    [ "$l" -ge 2 ] && add_dep "$c" util_00
    k=0
    for cand in $((i % np)) $(((i + n) % np)) $(((i * 7 + 3) % np)) $(((i * 11 + 5) % np)) \
                $(((i * 13 + 1) % np)) $(((i * 3 + 2) % np)); do
      [ "$k" -lt "${fan[$l]}" ] || break
      case " ${deps[$c]} " in *" ${prev[$cand]} "*) continue ;; esac
      add_dep "$c" "${prev[$cand]}"; used[${prev[$cand]}]=1; k=$((k + 1))
    done
    # Skip-layer dependencies, as real crates have: a utility, and for feat a core crate.
    if [ "$l" -ge 3 ] && [ "$l" -le 4 ]; then add_dep "$c" "${utils[$(((i * 5 + l) % 7))]}"; fi
    if [ "$l" -eq 2 ]; then add_dep "$c" "${utils[$(((i * 3 + 1) % 7))]}"; fi
    if [ "$l" -eq 4 ]; then add_dep "$c" "core_$(printf %02d $(((i * 9 + 4) % 30)))"; fi
  done
  # Every crate of the layer below is used by someone, so all 111 are in the app's closure.
  for ((j = 0; j < np; j++)); do
    [ -n "${used[${prev[$j]}]:-}" ] || add_dep "${cur[$((j % n))]}" "${prev[$j]}"
  done
  unset used
done
[ "${#crates[@]}" -eq 111 ] || die "generator bug: ${#crates[@]} library crates, not 111"
app_deps="util_00 util_03 $(layer_members 5 | tr '\n' ' ')"

# --- sources ----------------------------------------------------------------------------
cargo_toml() { # CRATE or app
  printf '[package]\nname = "%s"\nversion.workspace = true\nedition.workspace = true\npublish.workspace = true\n' "$1"
  [ "$1" = app ] || printf '\n[lib]\ncrate-type = ["dylib"]\n'
  printf '\n[dependencies]\n'
  local d list
  if [ "$1" = app ]; then list=$app_deps; else list=${deps[$1]}; fi
  local base=..; [ "$1" = app ] && base=../crates
  for d in $list; do printf '%s = { path = "%s/%s" }\n' "$d" "$base" "$d"; done
}

# The 24 operations: each calls one dependency's operation (two for odd K) and reads a
# dependency's TABLE, so every crate references each of its dependencies many times.
ops() { # CRATE SEED
  local c=$1 s=$2 k a b da db
  local -a ds=(${deps[$c]})
  local nd=${#ds[@]}
  for ((k = 0; k < 24; k++)); do
    printf '/// Operation %d of %s.\npub fn op_%02d(x: u64) -> u64 {\n' "$k" "$c" "$k"
    if [ "$nd" -eq 0 ]; then
      printf '    (x.rotate_left(%d) ^ TABLE[%d]).wrapping_mul(0x9E37_79B9_7F4A_7C15)\n' $((k + 1)) $((k % 8))
    else
      da=${ds[$(((k + s) % nd))]} db=${ds[$(((k / 2 + s + 1) % nd))]}
      a=$(((k * 7 + s) % 24)) b=$(((k * 11 + s + 3) % 24))
      printf '    let y = %s::op_%02d(x.rotate_left(%d)) ^ TABLE[%d];\n' "$da" "$a" $((k + 1)) $((k % 8))
      if ((k % 2)); then
        printf '    y.wrapping_add(%s::op_%02d(y ^ %s::TABLE[%d]))\n' "$db" "$b" "$db" $(((k + s) % 8))
      else
        printf '    y.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ %s::TABLE[%d]\n' "$db" $(((k + s) % 8))
      fi
    fi
    printf '}\n\n'
  done
}

table() { # SEED
  local s=$1 i out=""
  for ((i = 0; i < 8; i++)); do out+="$(((s * 2654435761 + i * 40503) % 4294967296)), "; done
  printf 'pub static TABLE: [u64; 8] = [%s];\n' "${out%, }"
}

util00_extra() {
  cat <<'EOF'
/// A stage of a pipeline, used as a trait object by every crate.
pub trait Component {
    /// The stage's name.
    fn name(&self) -> String;
    /// One step of the stage.
    fn step(&self, x: u64) -> u64;
}

/// Runs every component in turn.
pub fn run_all(components: &[Box<dyn Component>], seed: u64) -> u64 {
    let mut acc = seed;
    for c in components {
        acc = mix(c.step(acc) ^ c.name().len() as u64);
    }
    acc
}

/// An encoding, implemented by every crate's `Item`.
pub trait Codec {
    /// The encoded bytes.
    fn encode(&self) -> Vec<u8>;
    /// The encoded length.
    fn encoded_len(&self) -> usize {
        self.encode().len()
    }
}

/// Encodes every value (instantiated by every crate with its own type).
pub fn encode_all<C: Codec>(values: &[C]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        out.extend_from_slice(&v.encode());
        out.push(mix(out.len() as u64) as u8);
    }
    out
}

/// Mixes a value (not generic: every instantiation below calls it across dylibs).
#[inline(never)]
pub fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Hashes a slice.
pub fn checksum<T: std::hash::Hash>(items: &[T]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for i in items {
        i.hash(&mut h);
    }
    mix(h.finish())
}

/// The largest element.
pub fn largest<T: PartialOrd + Copy>(xs: &[T]) -> Option<T> {
    let mut best: Option<T> = None;
    for &x in xs {
        if best.map_or(true, |b| x > b) {
            best = Some(x);
        }
    }
    best
}

/// A growable pool of values.
#[derive(Clone, Debug, Default)]
pub struct Pool<T> {
    items: Vec<T>,
    pushes: u64,
}

impl<T: Clone + std::fmt::Debug> Pool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Pool { items: Vec::new(), pushes: 0 }
    }
    /// Adds a value.
    pub fn push(&mut self, value: T) {
        self.pushes = mix(self.pushes + 1);
        self.items.push(value);
    }
    /// The values.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }
    /// The number of values.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Maps every value.
    pub fn map<U, F: Fn(&T) -> U>(&self, f: F) -> Vec<U> {
        self.items.iter().map(f).collect()
    }
    /// A debug rendering of the first value.
    pub fn first_debug(&self) -> String {
        format!("{:?}", self.items.first())
    }
}

EOF
}

crate_rs() { # CRATE
  local c=$1 l=${layer_of[$1]} seed=0 d
  local -a ds=(${deps[$1]})
  local i; for ((i = 0; i < ${#crates[@]}; i++)); do [ "${crates[$i]}" = "$c" ] && seed=$i; done
  printf '//! Crate %s (layer %d), generated by bench/cargo-many.sh.\n' "$c" "$l"
  printf '#![allow(clippy::all, dead_code)]\n\n'
  printf 'use std::collections::BTreeMap;\nuse std::fmt;\nuse std::sync::atomic::{AtomicU64, Ordering};\nuse std::sync::Mutex;\n'
  if [ "$c" = util_00 ]; then printf 'use crate as util_00;\n'; fi
  printf '\n/// This crate'"'"'s number.\npub const ID: u64 = %d;\n' "$seed"
  printf '/// This crate'"'"'s name.\npub static NAME: &str = "%s";\n' "$c"
  printf '/// Calls of run().\npub static CALLS: AtomicU64 = AtomicU64::new(0);\n'
  printf '/// Constants read by the crates above.\n'; table "$seed"
  printf 'static REGISTRY: Mutex<Vec<String>> = Mutex::new(Vec::new());\n\n'
  [ "$c" = util_00 ] && util00_extra
  cat <<EOF
/// A value of this crate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Item {
    /// Identifier.
    pub id: u64,
    /// Label.
    pub label: String,
    /// Parts.
    pub parts: Vec<u64>,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}[{}]", NAME, self.id, self.parts.len())
    }
}

impl util_00::Codec for Item {
    fn encode(&self) -> Vec<u8> {
        let mut out = self.label.as_bytes().to_vec();
        out.extend(self.parts.iter().map(|p| (*p % 251) as u8));
        out
    }
}

/// A generic wrapper, instantiated by the crates above with their own types.
#[derive(Clone, Debug)]
pub struct Tagged<T> {
    /// Tag.
    pub tag: u64,
    /// Value.
    pub value: T,
}

impl<T: Clone + fmt::Debug> Tagged<T> {
    /// A tagged value.
    pub fn new(tag: u64, value: T) -> Self {
        Tagged { tag: op_01(tag), value }
    }
    /// Maps the value, keeping the tag.
    pub fn map<U, F: FnOnce(T) -> U>(self, f: F) -> Tagged<U> {
        Tagged { tag: op_02(self.tag), value: f(self.value) }
    }
    /// Renders it.
    pub fn show(&self) -> String {
        format!("{}:{}:{:?}", NAME, op_03(self.tag), self.value)
    }
}

struct Stage {
    seed: u64,
}

impl util_00::Component for Stage {
    fn name(&self) -> String {
        format!("{}:{}", NAME, self.seed)
    }
    fn step(&self, x: u64) -> u64 {
        op_00(x ^ self.seed)
    }
}

/// This crate's pipeline stage, as a trait object.
pub fn component(seed: u64) -> Box<dyn util_00::Component> {
    Box::new(Stage { seed })
}

/// A pool of items.
pub fn items(n: u64) -> util_00::Pool<Item> {
    let mut pool = util_00::Pool::new();
    for i in 0..n {
        pool.push(Item { id: op_04(i), label: format!("{}-{}", NAME, i), parts: vec![i, ID, TABLE[(i % 8) as usize]] });
    }
    pool
}

/// Items by label.
pub fn index(n: u64) -> BTreeMap<String, Item> {
    items(n).as_slice().iter().map(|it| (it.label.clone(), it.clone())).collect()
}

/// A checksum over generic code of util_00 instantiated here.
pub fn summary(n: u64) -> u64 {
    let pool = items(n);
    let ids = pool.map(|it| it.id);
    util_00::checksum(pool.as_slice()) ^ util_00::largest(&ids).unwrap_or(0)
        ^ util_00::encode_all(pool.as_slice()).len() as u64
}

/// A description.
pub fn describe(seed: u64) -> String {
    let t = Tagged::new(seed, items(2).first_debug());
    format!("{} {} {}", NAME, t.show(), index(2).len())
}

/// Remembers a name.
pub fn register(name: &str) {
    if let Ok(mut r) = REGISTRY.lock() {
        r.push(name.to_string());
    }
}

/// Names registered so far.
pub fn registered() -> usize {
    REGISTRY.lock().map(|r| r.len()).unwrap_or(0)
}

/// Calls of the C entry point.
#[no_mangle]
pub extern "C" fn ${c}_abi_version() -> u32 {
    ID as u32 + 1
}

/// The C entry point.
#[no_mangle]
pub extern "C" fn ${c}_mix(x: u64) -> u64 {
    op_05(x)
}

EOF
  # pipeline: this crate's stage and its dependencies' stages as trait objects; run: a bit of
  # everything, and the dependencies' generic Tagged<T> instantiated with this crate's Item.
  printf '/// Runs this crate'"'"'s stage and its dependencies'"'"' stages.\npub fn pipeline(seed: u64) -> u64 {\n'
  printf '    let stages: Vec<Box<dyn util_00::Component>> = vec![component(seed)'
  for d in "${ds[@]}"; do printf ', %s::component(seed)' "$d"; done
  printf '];\n    util_00::run_all(&stages, seed)\n}\n\n'
  printf '/// Runs this crate once.\npub fn run(seed: u64) -> u64 {\n'
  printf '    CALLS.fetch_add(1, Ordering::Relaxed);\n    register(NAME);\n'
  printf '    let mut acc = summary(2 + seed %% 3) ^ pipeline(seed) ^ describe(seed).len() as u64;\n'
  printf '    for k in 0..4u64 {\n        acc = acc.wrapping_add(op_%02d(acc ^ k)).wrapping_add(op_%02d(k));\n    }\n' $((seed % 24)) $(((seed + 7) % 24))
  for d in "${ds[@]}"; do
    printf '    acc ^= %s::Tagged::new(acc, Item::default()).map(|it| it.parts.len()).show().len() as u64;\n' "$d"
    printf '    acc = acc.wrapping_add(%s::CALLS.load(Ordering::Relaxed)).wrapping_add(%s::%s_mix(acc) as u64);\n' "$d" "$d" "$d"
  done
  printf '    acc\n}\n\n'
  ops "$c" "$seed"
}

app_rs() {
  printf '//! The program of the 112-dylib fixture, generated by bench/cargo-many.sh.\n\n'
  printf 'fn main() {\n    let mut total: u64 = util_00::mix(7);\n'
  local t
  for t in $(layer_members 5); do
    printf '    total = total.wrapping_add(%s::run(total)).wrapping_add(%s::%s_abi_version() as u64);\n' "$t" "$t" "$t"
  done
  printf '    total ^= util_03::TABLE[2] ^ util_03::CALLS.load(std::sync::atomic::Ordering::Relaxed);\n'
  printf '    println!("app: {} names registered in top_00, checksum {:016x}", top_00::registered(), total);\n}\n'
}

# Writes stdin to FILE only when it differs, so that cargo rebuilds only the crates whose
# sources a change of this script changed.
put() { # FILE
  cat >"$1.new"
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

generate() {
  local c d
  for d in "$WS"/crates/*/; do # crates an earlier version of this script generated
    [ -d "$d" ] || continue
    d=$(basename "$d")
    [ -n "${layer_of[$d]:-}" ] || rm -rf "${WS:?}/crates/$d"
  done
  mkdir -p "$WS/app/src"
  put "$WS/Cargo.toml" <<'EOF'
# Generated by bench/cargo-many.sh: 111 dylib crates and the program that uses them.
[workspace]
resolver = "2"
members = ["crates/*", "app"]

[workspace.package]
version = "0.1.0"
edition = "2021"
publish = false
EOF
  for c in "${crates[@]}"; do
    mkdir -p "$WS/crates/$c/src"
    cargo_toml "$c" | put "$WS/crates/$c/Cargo.toml"
    crate_rs "$c" | put "$WS/crates/$c/src/lib.rs"
  done
  cargo_toml app | put "$WS/app/Cargo.toml"
  app_rs | put "$WS/app/src/main.rs"
}

# --- build (unless cached) --------------------------------------------------------------
if [ -x "$APP" ] && [ -f "$WS/env" ] && [ -f "$WS/.stamp" ] && [ "$(cat "$WS/.stamp")" = "$stamp" ]; then
  echo "cargo-many.sh: $APP is up to date" >&2
  build_seconds=$(sed -n 's/^BUILD_SECONDS=//p' "$WS/env")
  build_kind=$(sed -n 's/^BUILD_KIND=//p' "$WS/env")
else
  rm -f "$WS/env" "$WS/.stamp"
  if [ -d "$WS/target" ]; then build_kind=update; else build_kind=fresh; fi
  generate
  echo "cargo-many.sh: building 111 dylib crates and app in $WS (a minute or two)" >&2
  t0=$(date +%s.%N)
  # CARGO_INCREMENTAL=0: a fresh build is faster without it, and target/ is 90 MB, not 600 MB.
  (cd "$WS" && CARGO_INCREMENTAL=0 RUSTFLAGS="-C prefer-dynamic" cargo build --offline --quiet) \
    || die "cargo build failed in $WS"
  build_seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "cargo-many.sh: built in $build_seconds s ($build_kind)" >&2
fi

RUST_LIBDIR=$(cd "$(rustc --print target-libdir)" && pwd -P)
DEPS_DIR="$WS/target/debug/deps"
LIBPATH="$DEPS_DIR:$RUST_LIBDIR"
[ -x "$APP" ] || die "the build left no $APP"

# --- sanity checks ----------------------------------------------------------------------
canon() { xargs -r -d '\n' realpath -e -- | sort -u; }
out=$(env LD_LIBRARY_PATH="$LIBPATH" ldd "$APP") || die "ldd $APP failed"
! grep -q 'not found' <<<"$out" || die "ldd reports missing libraries for $APP:"$'\n'"$out"
reference=$(grep -v 'linux-vdso' <<<"$out" | awk '$2 == "=>" { print $3; next } { print $1 }' | canon)
ours=$(grep -c -e "^$DEPS_DIR/" -e "^$RUST_LIBDIR/" <<<"$reference" || true)
[ "$ours" -eq 112 ] || die "ldd resolves $ours libraries from $DEPS_DIR and $RUST_LIBDIR, not 112"
grep -q "^$RUST_LIBDIR/libstd-[^/]*\.so\$" <<<"$reference" || die "ldd does not load libstd-*.so from $RUST_LIBDIR"
undefined=$(env LD_LIBRARY_PATH="$LIBPATH" ldd -r "$APP" 2>&1) || die "ldd -r $APP failed"
! grep -q 'undefined symbol' <<<"$undefined" || die "ldd -r reports undefined symbols for $APP:"$'\n'"$undefined"
ran=$(env LD_LIBRARY_PATH="$LIBPATH" "$APP") || die "$APP failed to run"
grep -q '^app: ' <<<"$ran" || die "$APP printed: $ran"
if [ -n "$ELFDYN" ]; then
  flat=$(env LD_LIBRARY_PATH="$LIBPATH" "$ELFDYN" tree --flat "$APP") || die "elfdyn tree --flat $APP failed:"$'\n'"$flat"
  ! grep -q 'not found' <<<"$flat" || die "elfdyn tree --flat reports missing libraries:"$'\n'"$flat"
  got=$(awk '$2 == "=>" { print $3; next } { print $1 }' <<<"$flat" | canon)
  if [ "$got" != "$reference" ]; then
    echo "cargo-many.sh: ERROR: elfdyn tree --flat resolves $(wc -l <<<"$got") files, ldd $(wc -l <<<"$reference"); difference (< ldd, > elfdyn):" >&2
    diff <(echo "$reference") <(echo "$got") >&2 || true
    exit 1
  fi
  set +e
  checked=$(env LD_LIBRARY_PATH="$LIBPATH" "$ELFDYN" check-undefined --color never "$APP" 2>&1); rc=$?
  set -e
  [ "$rc" -eq 0 ] || die "elfdyn check-undefined $APP exited $rc; ldd -r finds every symbol:"$'\n'"$checked"
fi
total=$(wc -l <<<"$reference")
echo "sanity: ldd${ELFDYN:+ and elfdyn tree --flat} resolve the same $total files for $APP," \
  "112 of them from deps/ and the toolchain; ldd -r${ELFDYN:+ and elfdyn check-undefined} find every symbol" >&2

{
  printf 'APP=%q\n' "$APP"
  printf 'WORKSPACE=%q\n' "$WS"
  printf 'DEPS_DIR=%q\n' "$DEPS_DIR"
  printf 'RUST_LIBDIR=%q\n' "$RUST_LIBDIR"
  printf 'LIBPATH=%q\n' "$LIBPATH"
  printf 'DYLIBS=%d\n' "$ours"
  printf 'BUILD_SECONDS=%s\n' "$build_seconds"
  printf 'BUILD_KIND=%s\n' "$build_kind"
} >"$WS/env.tmp"
mv "$WS/env.tmp" "$WS/env"
printf '%s\n' "$stamp" >"$WS/.stamp"
