# Thin wrapper so the README's two commands work on a fresh machine.
# The real build is CMake; see CMakeLists.txt.

BUILD   ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG  ?= configs/fupin.yaml
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-asan fuzz bench clean format pot

all: build

deps:
	@scripts/deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Creates the demo city on first use, then runs the daemon in the foreground
# with the web console on $(DEMO_LISTEN): the config used is $(CONFIG) with an
# http: block added, written to var/demo.yaml (a sibling of configs/, so its
# relative paths mean the same). init --demo prints the console's logins once;
# a later `make demo` reuses the database, so reset one with
# `build/fupin -c var/demo.yaml user passwd demo_town`.
DEMO_LISTEN ?= 127.0.0.1:8080
DEMO_CONFIG = var/demo.yaml

demo: build
	@mkdir -p var && chmod 700 var
	@{ cat $(CONFIG); grep -q '^http:' $(CONFIG) || printf '\n# make demo\nhttp:\n  listen: $(DEMO_LISTEN)\n'; } \
		> $(DEMO_CONFIG)
	@if test -f "$$($(BUILD)/fupin -c $(DEMO_CONFIG) config database 2>/dev/null)"; then \
		echo "演示数据库已存在，登录账号已在创建时显示 / the demo database exists; its logins were shown when it was made."; \
		echo "  新密码 / a new password: $(BUILD)/fupin -c $(DEMO_CONFIG) user passwd demo_town"; \
	else \
		$(BUILD)/fupin -c $(DEMO_CONFIG) init --demo; \
	fi
	@echo
	@echo "扶贫工作台 / web console: http://$$($(BUILD)/fupin -c $(DEMO_CONFIG) config http.listen)/"
	@echo "  账号 / users: $(BUILD)/fupin -c $(DEMO_CONFIG) user list"
	@echo
	$(BUILD)/fupin -c $(DEMO_CONFIG) run

test: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUPIN_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFUPIN_WERROR=ON -DFUPIN_ASAN=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE nosan

# Builds the libFuzzer harnesses with clang and runs each for FUZZ_SECONDS,
# starting from its corpus in tests/fuzz/corpus/<name>/ (read only: what the
# fuzzer learns goes to $(FUZZ_BUILD)/corpus/<name>/). A crash stops here and
# leaves its input as $(FUZZ_BUILD)/crash-<name>-*; see tests/fuzz/README.md.
fuzz: deps
	@command -v clang >/dev/null 2>&1 && [ -f "$$(clang -print-file-name=libclang_rt.fuzzer-$$(uname -m).a)" ] || \
		{ echo "fuzz: clang with libFuzzer (Debian: clang, libclang-rt-14-dev) is not installed" >&2; exit 1; }
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUPIN_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	@for h in $$(ls tests/fuzz/corpus); do \
		echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$h; \
		$(FUZZ_BUILD)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			-rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$h- \
			$$([ -f tests/fuzz/dict/$$h.dict ] && echo -dict=tests/fuzz/dict/$$h.dict) \
			$(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h 2>$(FUZZ_BUILD)/fuzz-$$h.log \
			|| { tail -n 60 $(FUZZ_BUILD)/fuzz-$$h.log >&2; echo "fuzz: $$h failed; input in $(FUZZ_BUILD)/crash-$$h-*" >&2; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_BUILD)/fuzz-$$h.log | tail -n 2; \
	done

# The template of every translatable message, build/po/fupin.pot (not committed).
pot: build
	@cmake --build $(BUILD) --target pot

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target fupin-bench
	$(BUILD)/fupin-bench

format:
	clang-format -i daemon/*.[ch] base/*.[ch] config/*.[ch] store/*.[ch] policy/*.[ch] policy/*/*.[ch] runner/*.[ch] nightly/*.[ch] deliver/*.[ch] web/*.[ch] cmd/*.[ch] demo/*.[ch] plugins/*.h plugins/*/*.c tests/unit/*.c tests/fuzz/*.[ch] bench/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
