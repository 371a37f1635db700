# ontsluit: `make run` and `make test` install what is missing, then build, ingest and serve / test.
# Everything else here is a step of those two, or a separate long-running target (bench, load).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Build outside the clone so that fresh clones on this machine (CI) reuse compiled dependencies.
CARGO_TARGET_DIR ?= $(HOME)/.cache/ontsluit/target
export CARGO_TARGET_DIR
VENV ?= $(HOME)/.cache/ontsluit/venv
BIND ?= 127.0.0.1:8080
CATALOG ?= catalog.toml
DATA_DIR ?= datasets

# Debian packages: to build and run (GDAL/PROJ), and for the client tests (GDAL's CLI, PyQGIS).
RUN_PACKAGES := libgdal-dev pkg-config gdal-bin
TEST_PACKAGES := python3-qgis qgis-providers python3-venv proj-bin chromium

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN_RELEASE := $(CARGO_TARGET_DIR)/release/ontsluit
BIN_DEBUG := $(CARGO_TARGET_DIR)/debug/ontsluit

.PHONY: run test deps test-deps venv build release ingest serve check fmt lint rust-tests client-tests bench bench-load bench-scale fuzz fuzz-wkb clean node assets browser-tests

## run: install what is missing, build (release) and the web assets, ingest the catalog, serve on $(BIND)
run: deps assets release
	$(BIN_RELEASE) ingest --catalog $(CATALOG) --data-dir $(DATA_DIR)
	$(BIN_RELEASE) serve --catalog $(CATALOG) --data-dir $(DATA_DIR) --bind $(BIND) --assets-dir web/dist

## test: install what is missing, then every check CI runs
test: deps test-deps venv fmt lint rust-tests client-tests browser-tests

# apt-get only for packages that are absent (dpkg-query), so a prepared machine installs nothing.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(RUN_PACKAGES))

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))

# The Python clients (OWSLib, GeoPandas, pytest…) live in a venv keyed by the requirements file.
venv: $(VENV)/.installed-$(shell sha256sum tests/clients/requirements.txt | cut -c1-16)
# Order-only: the stamp's name holds the file's hash, so a fresh clone's newer mtime changes nothing.
$(VENV)/.installed-%: | tests/clients/requirements.txt
	@echo "creating the Python venv for the client tests in $(VENV)"
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
	touch $@

build:
	cargo build

release:
	cargo build --release

ingest: release
	$(BIN_RELEASE) ingest --catalog $(CATALOG) --data-dir $(DATA_DIR)

serve: assets release
	$(BIN_RELEASE) serve --catalog $(CATALOG) --data-dir $(DATA_DIR) --bind $(BIND) --assets-dir web/dist

check: release
	$(BIN_RELEASE) check --catalog $(CATALOG)

fmt:
	cargo fmt --all --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

rust-tests:
	@if command -v cargo-nextest >/dev/null; then cargo nextest run --workspace --no-fail-fast; else cargo test --workspace; fi

# Real clients (GDAL OAPIF, OWSLib, QGIS, GeoPandas) against the real debug binary. The binary is
# built as the Rust tests build it (`--tests`): a plain `cargo build` unifies features without the
# dev-dependencies and would recompile much of the dependency tree.
client-tests: venv
	cargo build --tests
	ONTSLUIT_BIN=$(BIN_DEBUG) $(VENV)/bin/python -m pytest tests/clients -q -p no:cacheprovider

# Front-end (web/, served at /assets/): Node from the machine, or Debian's when there is none.
# playwright-core needs Node 20 or newer (Debian 12's nodejs is 18).
node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "installing Debian packages: nodejs npm"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; \
	fi
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || \
	  { echo "web/ needs Node 20 or newer, found $$(node --version)"; exit 1; }

# Stamps named by content hashes make `assets` a cheap no-op when nothing changed: node_modules
# is keyed by the lock file, web/dist by everything the build reads.
WEB_LOCK_HASH = $(shell sha256sum web/package-lock.json | cut -c1-16)
WEB_HASH = $(shell sha256sum web/package.json web/package-lock.json web/build.mjs $$(find web/src -type f | sort) | sha256sum | cut -c1-16)

## assets: install web/node_modules (npm ci) and build web/dist (ontsluit.js, ontsluit.css)
assets: node
	@if [ ! -e web/node_modules/.stamp-$(WEB_LOCK_HASH) ]; then \
	  echo "installing web/node_modules (npm ci)"; \
	  (cd web && npm ci --no-audit --no-fund) && touch web/node_modules/.stamp-$(WEB_LOCK_HASH); \
	fi
	@if [ ! -e web/dist/.stamp-$(WEB_HASH) ]; then \
	  echo "building web/dist"; \
	  (cd web && node build.mjs) && touch web/dist/.stamp-$(WEB_HASH); \
	fi

## browser-tests: the pages in headless Chromium: the sample page, and every page type of the real
## debug binary serving the catalog (or of ONTSLUIT_URL); screenshots in target/browser-artifacts
browser-tests: assets
	$(call apt_install,chromium)
	cargo build --tests
	ONTSLUIT_BIN=$(BIN_DEBUG) node --test tests/browser/*.test.mjs

## fuzz: fuzz the CQL2 parser for FUZZ_SECONDS (cargo-fuzz on the stable toolchain; not in `make test`)
FUZZ_SECONDS ?= 300
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(HOME)/.cache/ontsluit/target-fuzz \
	  cargo fuzz run cql2_parse -- -max_total_time=$(FUZZ_SECONDS) -dict=cql2.dict

## fuzz-wkb: fuzz the WKB reader (crates/geom) for FUZZ_SECONDS; a header's count may not allocate
fuzz-wkb:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(HOME)/.cache/ontsluit/target-fuzz \
	  cargo fuzz run wkb_read -- -max_total_time=$(FUZZ_SECONDS) -malloc_limit_mb=256

## bench-load: the release binary under load against its peers (pygeoapi, MapServer, Datasette,
## ROAPI; benches/load/run.sh installs them; LOAD_SECONDS per request kind; writes
## docs/performance.md), then the pages and "what is here" (ApacheBench); not part of `make test`
LOAD_SECONDS ?= 8
bench-load: deps assets release
	BENCH_COMMAND="make bench-load LOAD_SECONDS=$(LOAD_SECONDS)" benches/load/run.sh $(BIN_RELEASE) --seconds $(LOAD_SECONDS)
	$(call apt_install,apache2-utils)
	scripts/bench-load.sh $(BIN_RELEASE) $${N:-2000} $${C:-4}

## bench-scale: 10 million address points and 1 million polygons generated from the shared data
## (benches/data, once per size into BENCH_DATA), ingested by the release binary and by
## `ogr2ogr -f GPKG`, then served: prints times, peak RSS and idle RSS per feature (not in `make test`)
BENCH_DATA ?= $(HOME)/.cache/ontsluit/bench-data
bench-scale: deps release
	$(call apt_install,curl)
	@# The generator is built like the tests: a release example would rebuild every dependency
	@# with the dev-dependencies' features (over an hour on 2 cores); unoptimised, it writes
	@# 10 M points in about a minute.
	cargo build --example bench_data
	benches/data/bench-scale.sh $(BIN_RELEASE) $(CARGO_TARGET_DIR)/debug/examples/bench_data \
	  $(BENCH_DATA) $${POINTS:-10000000} $${POLYGONS:-1000000} $${SEED:-1}

## bench: criterion benches (optimised build; not part of `make test`)
bench:
	cargo bench --bench items
	cargo bench --bench archive
	cargo bench --bench sql

clean:
	cargo clean
	rm -rf $(VENV)
