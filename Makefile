# elfdyn: `make demo` to see it work, `make test` to run every test. Both install what they need.
PREFIX ?= /usr/local
SWIFT ?= swift
# A fully static executable starts in half a millisecond (no shared libraries to load).
RELEASE_FLAGS = -c release -Xswiftc -static-executable
BIN = .build/release/elfdyn
TESTBIN = TestBinaries/out

BUILD_PACKAGES = libelf-dev zlib1g-dev pkg-config
TEST_PACKAGES = $(BUILD_PACKAGES) elfutils binutils gcc patchelf lld mold
BENCH_PACKAGES = $(BUILD_PACKAGES) hyperfine libtree pax-utils patchelf time elfutils

.PHONY: all build demo test testbinaries bench install completions clean deps-build deps-test deps-bench

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
	@TestBinaries/demo/run-demo.sh $(BIN) $(TESTBIN)/demo

testbinaries: deps-test
	TestBinaries/build-all.sh $(TESTBIN)

test: deps-test testbinaries
	$(SWIFT) build --build-tests
	ELFDYN_TESTBIN=$(CURDIR)/$(TESTBIN) $(SWIFT) test --skip-build

bench: deps-bench build
	bench/run.sh $(BIN)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/elfdyn
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/elfdyn
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_elfdyn
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/elfdyn.fish

clean:
	rm -rf .build $(TESTBIN)
