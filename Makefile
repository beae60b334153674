# Thin wrapper so the README's two commands work on a fresh machine.
# The real build is CMake; see CMakeLists.txt.

BUILD   ?= build
ASAN_BUILD ?= build-asan
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG  ?= configs/fupin.yaml
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-asan bench clean format

all: build

deps:
	@scripts/deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Creates the demo city on first use, then runs the daemon in the foreground.
demo: build
	@test -f "$$($(BUILD)/fupin -c $(CONFIG) config database 2>/dev/null)" || \
		$(BUILD)/fupin -c $(CONFIG) init --demo
	$(BUILD)/fupin -c $(CONFIG) run

test: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUPIN_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFUPIN_WERROR=ON -DFUPIN_ASAN=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE nosan

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target fupin-bench
	$(BUILD)/fupin-bench

format:
	clang-format -i daemon/*.[ch] base/*.[ch] config/*.[ch] store/*.[ch] policy/*.[ch] policy/*/*.[ch] runner/*.[ch] nightly/*.[ch] deliver/*.[ch] cmd/*.[ch] demo/*.[ch] plugins/*.h plugins/*/*.c tests/unit/*.c bench/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
