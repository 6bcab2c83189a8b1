# elfdyn: `make demo` to see it work, `make test` to run every test. Both install what they need.
PREFIX ?= /usr/local
SWIFT ?= swift
# A fully static executable: no shared libraries to load before main (`tree` of a static program
# takes 1.3 ms in all).
# Generic types' metadata through accessor functions rather than mangled names demangled at run
# time: the start-up of `elfdyn tree /bin/true` is 0.97 -> 0.62 M instructions (the first
# Dictionary<String, ...> alone had cost 0.24 M: demangling and a scan of all 3,800 conformances).
# Functions in sections of their own, linked by lld in the order of scripts/link-order.txt (the
# code the commands run, side by side, then the data they touch): `tree /bin/true` took 124 page
# faults instead of 184 with the functions ordered, and `tree` of a static program 115 instead of
# 140 with the data ordered too.
LINK_ORDER = scripts/link-order.txt
RELEASE_FLAGS = -c release -Xswiftc -static-executable \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -use-ld=lld \
  -Xlinker --symbol-ordering-file=$(CURDIR)/$(LINK_ORDER) -Xlinker --no-warn-symbol-ordering
BIN = .build/release/elfdyn
TESTBIN = TestBinaries/out

BUILD_PACKAGES = libelf-dev zlib1g-dev pkg-config
# musl and i386: the differential suites against musl's loader and i386 glibc's ldd.
# libcap2-bin: setcap and getcap, for the set-rpath test that file capabilities survive an edit.
TEST_PACKAGES = $(BUILD_PACKAGES) elfutils binutils gcc patchelf lld mold python3 \
  musl musl-tools musl-dev gcc-multilib libc6:i386 libstdc++6:i386 zlib1g:i386 \
  binutils-powerpc64-linux-gnu mmdebstrap qemu-user-static strace libcap2-bin
# The arm64 Debian sysroot of the differential suite (built once, kept under the build directory).
SYSROOT = .build/sysroot
BENCH_PACKAGES = $(BUILD_PACKAGES) hyperfine libtree pax-utils patchelf time elfutils valgrind

.PHONY: all build man lint demo test test-asan testbinaries bench link-order fuzz install completions clean deps-build deps-test deps-bench

all: build

deps-build:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

deps-bench:
	@scripts/ensure-packages.sh $(BENCH_PACKAGES)

build: deps-build
	$(SWIFT) build $(RELEASE_FLAGS)

demo: build
	@scripts/ensure-packages.sh gcc binutils
	@TestBinaries/demo/run-demo.sh $(BIN) .build/demo

testbinaries: deps-test
	TestBinaries/build-all.sh $(TESTBIN)

# The tests run the release executable (static: LD_LIBRARY_PATH and LD_PRELOAD given to the
# program under test cannot touch elfdyn itself) and a debug build of the test bundle.
# swift-format with the project's rules (.swift-format): every public declaration documented,
# no force unwraps or force tries.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

test: deps-test lint testbinaries build
	TestBinaries/build-sysroot.sh $(SYSROOT) || echo "make test: the arm64 sysroot could not be built; its suite is skipped" >&2
	$(SWIFT) build --build-tests
	ELFDYN_BIN=$(CURDIR)/$(BIN) ELFDYN_TESTBIN=$(CURDIR)/$(TESTBIN) \
	  env $$(test -e $(SYSROOT)/arm64/.complete && echo ELFDYN_SYSROOT=$(CURDIR)/$(SYSROOT)) $(SWIFT) test --skip-build

# The whole test suite against a debug elfdyn built with AddressSanitizer (and Swift's runtime
# checks). That elfdyn is dynamically linked: the few tests that would replace its own libc skip.
test-asan: deps-test testbinaries
	$(SWIFT) build --scratch-path .build-asan --product elfdyn -Xswiftc -sanitize=address
	$(SWIFT) build --build-tests
	ELFDYN_BIN=$(CURDIR)/.build-asan/debug/elfdyn ELFDYN_TESTBIN=$(CURDIR)/$(TESTBIN) ASAN_OPTIONS=detect_leaks=0 \
	  $(SWIFT) test --skip-build

bench: deps-bench build
	bench/run.sh $(BIN)

# Writes scripts/link-order.txt again from callgrind profiles and lackey memory traces of the
# common commands (after large changes; a stale order costs start-up time, never correctness),
# then links with it.
link-order: deps-bench build
	scripts/link-order.sh $(BIN) $(LINK_ORDER)
	rm -f $(BIN)  # the order file is not an input SwiftPM tracks: force the link
	$(SWIFT) build $(RELEASE_FLAGS)
	rm -f $(BIN)
	$(SWIFT) build $(RELEASE_FLAGS)

# libFuzzer over the reading layer, resolution, symbol checking and rendering of one file, with
# AddressSanitizer. Seeds: the TestBinaries outputs and the committed regression corpus; every
# crash is written into Tests/Corpus/, which `make test` replays.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
fuzz: deps-build testbinaries
	$(SWIFT) build --scratch-path .build-fuzz --product ElfFuzz $(FUZZ_FLAGS)
	scripts/fuzz-seeds.sh $(TESTBIN) .build-fuzz/corpus
	.build-fuzz/debug/ElfFuzz .build-fuzz/corpus Tests/Corpus -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=Tests/Corpus/ -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1

# The manual page, from the command's own help (swift-argument-parser's generate-manual plugin).
MANPAGE = .build/plugins/GenerateManual/outputs/elfdyn/elfdyn.1
$(MANPAGE): Package.swift $(wildcard Sources/elfdyn/*.swift)
	$(SWIFT) package plugin generate-manual >/dev/null

man: $(MANPAGE)

install: build man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -s -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/elfdyn
	install -m 0755 scripts/cargo-elfdyn $(DESTDIR)$(PREFIX)/bin/cargo-elfdyn
	install -m 0644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/elfdyn.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/elfdyn
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_elfdyn
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/elfdyn.fish

clean:
	rm -rf .build $(TESTBIN)
