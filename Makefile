# JoinedUp — every task a developer or CI runs, from a fresh clone.
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# PostgreSQL runs on localhost on every developer machine and in CI; tests
# use a fresh schema of their own in this database.
export JOINEDUP_TEST_POSTGRES ?= postgres://root@localhost/test?sslmode=disable

.PHONY: demo build test lint bench fuzz deps clean assets

# The front-end packages the pages serve, copied where the binary embeds
# them (web/static/vendor, not committed).
VENDOR := web/static/vendor
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk

## assets: install the pinned npm packages and copy what the pages serve
assets: $(VENDOR)/nhsuk-frontend.min.css

$(VENDOR)/nhsuk-frontend.min.css: package.json package-lock.json
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/assets
	cp $(NHSUK)/nhsuk-frontend.min.js node_modules/htmx.org/dist/htmx.min.js node_modules/axe-core/axe.min.js $(VENDOR)/
	cp -R $(NHSUK)/assets/. $(VENDOR)/assets/
	cp $(NHSUK)/nhsuk-frontend.min.css $(VENDOR)/

## demo: start JoinedUp on the embedded database with a demo population
demo: assets
	$(GO) run ./cmd/joinedup demo

## build: one static binary in bin/joinedup
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/joinedup ./cmd/joinedup

## test: every test, on SQLite and PostgreSQL
test: assets
	$(GO) test -count=1 -timeout 14m ./...

## lint: gofmt, go vet and staticcheck must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: the benchmarks (large populations: set JOINEDUP_BENCH_PATIENTS)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 0 ./...

## fuzz: every fuzz target in turn, FUZZTIME each (default 10m). A crash
## stops the run and leaves its input in the package's testdata/fuzz. Go
## 1.26's fuzzer can end a run that found nothing with "context deadline
## exceeded" (go.dev/issue/75804, fixed in 1.27): such a run, with no input
## written, is reported and the next target goes on.
FUZZTIME ?= 10m
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' "$$pkg"); \
		for target in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			before=$$(ls "$$dir/testdata/fuzz/$$target" 2>/dev/null | wc -l); \
			if ! $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 30s -timeout 0 "$$pkg"; then \
				after=$$(ls "$$dir/testdata/fuzz/$$target" 2>/dev/null | wc -l); \
				if [ "$$after" -gt "$$before" ]; then exit 1; fi; \
				echo "== $$target: the fuzzer's end-of-run deadline race, no failing input"; \
			fi; \
		done; \
	done

## deps: system packages the tests need (Debian)
deps:
	@./scripts/deps.sh

clean:
	rm -rf bin joinedup-data node_modules
	find $(VENDOR) -mindepth 1 ! -name README.md -delete
