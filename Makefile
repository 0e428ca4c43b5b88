# Makefile — corio's build: the runtime, its C tests and test programs,
# natively (clang or gcc, tests under ASan/UBSan, the threads tests under
# TSan) and to WebAssembly. This file owns what both halves share (the
# sources of the core and of each backend, the version, the C flags, what
# gets built, the targets) and the native half; emscripten.mk, included
# below, is the WebAssembly half (Emscripten 3.1.6, Asyncify). `make help`
# (or `make -f emscripten.mk help`: the same build) lists the targets.
# Objects live under build/{native,wasm,wasm-threads}/obj with -MMD
# dependency files, so a rebuild after one change recompiles one file. The
# backend is chosen by which files are compiled (see runtime/backend.h).
CORIO_MAKEFILE := 1
# Every object and link depends on both build files, so a change of flags
# rebuilds them.
BUILD_FILES := Makefile emscripten.mk $(BUILD_FILES)

# emcc runs a Node script that needs Debian's acorn (docs/toolchain.md).
export NODE_PATH := /usr/share/nodejs$(if $(NODE_PATH),:$(NODE_PATH))

# Native compiler: clang if present, else gcc; `make CC=...` overrides.
ifeq ($(origin CC),default)
CC := $(or $(shell command -v clang 2>/dev/null),$(shell command -v gcc 2>/dev/null),cc)
endif

# ---- sources ---------------------------------------------------------------

CORE_SRCS := $(wildcard runtime/core/*.c)
NATIVE_BACKEND_SRCS := runtime/fiber/fiber_native.c \
  runtime/fiber/shared_stack_native.c runtime/fiber/parked_check_native.c runtime/host/host_poll.c \
  runtime/host/net_poll.c runtime/host/net_poll_listen.c \
  runtime/host/resolve_thread.c runtime/host/tls_openssl.c \
  runtime/host/process_poll.c runtime/host/pipe_poll.c \
  runtime/host/threads_pthread.c
WASM_BACKEND_SRCS := runtime/fiber/fiber_emscripten.c runtime/host/host_js.c \
  runtime/host/net_js.c runtime/host/process_js.c runtime/host/threads_none.c
# The threaded wasm build (emscripten.mk): the same, with worker threads.
WASM_THREADS_BACKEND_SRCS := $(filter-out runtime/host/threads_none.c,$(WASM_BACKEND_SRCS)) \
  runtime/host/threads_pthread.c
# The Emscripten JS libraries: the fiber swap, the host (event loop), the net
# transports and the processes.
# The status table is generated from include/corio.h (CORIO_STATUS_MAP).
STATUS_JS_LIBRARY := build/gen/library_status.js
JS_LIBRARY := $(STATUS_JS_LIBRARY) runtime/fiber/library_fiber.js \
  runtime/host/library_host.js \
  runtime/host/library_net.js runtime/host/library_process.js
# The website checker (checker/): its portable part is linked into the C
# tests; all of it, with its JS bridge and JS library, into dist/.
CHECKER_SRCS := $(filter-out checker/checker_js.c,$(wildcard checker/*.c))
CHECKER_JS_LIBRARY := checker/library_checker.js
TEST_SRCS := tests/c/runner.c $(wildcard tests/c/test_*.c) $(CHECKER_SRCS)
# The C test programs' links wrap realloc: tests/c/test_task_stacks.c makes
# one fail, so that a parked task's frames move out through their stack's
# spare (the fiber backends' corio__fiber_ready_to_park).
TEST_LDFLAGS := -Wl,--wrap=realloc
# The coroutines the browser demo (page/index.html) runs from dist/.
DIST_SRCS := $(wildcard examples/web_demo.c) $(wildcard checker/*.c)

# The example programs and the benchmarks, each built natively and as wasm.
EXAMPLES := $(notdir $(basename $(filter-out $(DIST_SRCS),$(wildcard examples/*.c))))
BENCHES := $(notdir $(basename $(wildcard bench/*.c)))
# The examples that need threads (the guide's section 14), built threaded
# too: for Node (build/wasm-threads/) and for the Examples tab of an
# isolated page (dist/examples/threads/).
THREADED_EXAMPLES := to_thread

NATIVE_RUNTIME_SRCS := $(CORE_SRCS) $(NATIVE_BACKEND_SRCS)
WASM_RUNTIME_SRCS := $(CORE_SRCS) $(WASM_BACKEND_SRCS)
WASM_THREADS_RUNTIME_SRCS := $(CORE_SRCS) $(WASM_THREADS_BACKEND_SRCS)

# ---- flags -----------------------------------------------------------------

# The version is written once, in package.json; the HTTP client's
# User-Agent (corio-check/VERSION) carries it.
CORIO_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
CPPFLAGS := -Iinclude -Iruntime -Ichecker -D_GNU_SOURCE \
  -DCORIO_VERSION='"$(CORIO_VERSION)"'
WARNINGS := -Wall -Wextra
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
# Every native object probes each page of a large frame or alloca in order
# (-fstack-clash-protection), so no frame steps over a task's guard region
# (runtime/fiber/fiber_native.c); programs built on libcorio.a should too.
STACK_PROBES := -fstack-clash-protection
# Tests and test programs: debuggable and sanitized.
NATIVE_ASAN_CFLAGS := -std=c11 -g -O1 $(WARNINGS) $(SANITIZE) $(STACK_PROBES)
# The threads tests again under ThreadSanitizer (it excludes ASan).
NATIVE_TSAN_CFLAGS := -std=c11 -g -O1 $(WARNINGS) -fsanitize=thread \
  $(STACK_PROBES)
# The library and programs built on it: optimised, no sanitizers.
NATIVE_CFLAGS := -std=c11 -O2 $(WARNINGS) $(STACK_PROBES)
# What native programs link with: OpenSSL (TLS streams), threads (the
# resolver's lookups off the loop).
NATIVE_LDLIBS := -lssl -lcrypto -pthread

# ---- objects ---------------------------------------------------------------

NATIVE_ASAN_OBJ := build/native/obj/asan
NATIVE_TSAN_OBJ := build/native/obj/tsan
NATIVE_OBJ := build/native/obj/release

asan_objs = $(patsubst %.c,$(NATIVE_ASAN_OBJ)/%.o,$(1))
tsan_objs = $(patsubst %.c,$(NATIVE_TSAN_OBJ)/%.o,$(1))
native_objs = $(patsubst %.c,$(NATIVE_OBJ)/%.o,$(1))

$(NATIVE_ASAN_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_ASAN_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(NATIVE_TSAN_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_TSAN_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(NATIVE_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@


# ---- generated sources -------------------------------------------------

$(STATUS_JS_LIBRARY): include/corio.h scripts/gen-status-library.mjs
	@mkdir -p $(@D)
	node scripts/gen-status-library.mjs $@

# The address policy for JavaScript (the dev server's relay imports it),
# from the one table the C policy uses.
ADDRESS_POLICY_JS := build/gen/address_policy.mjs
$(ADDRESS_POLICY_JS): runtime/core/address_ranges.h scripts/gen-address-policy.mjs
	@mkdir -p $(@D)
	node scripts/gen-address-policy.mjs $@

# ---- link recipes ----------------------------------------------------------
# $(call ..._program,NAME,SOURCES): a rule for one linked program.

define asan_program
build/native/$(1): $(call asan_objs,$(2) $(NATIVE_RUNTIME_SRCS)) $(BUILD_FILES)
	$$(CC) $$(NATIVE_ASAN_CFLAGS) $$(filter %.o,$$^) $$(PROGRAM_LDFLAGS) $$(NATIVE_LDLIBS) -o $$@
endef

define tsan_program
build/native/$(1): $(call tsan_objs,$(2) $(NATIVE_RUNTIME_SRCS)) $(BUILD_FILES)
	$$(CC) $$(NATIVE_TSAN_CFLAGS) $$(filter %.o,$$^) $$(NATIVE_LDLIBS) -o $$@
endef

define native_program
build/native/$(1): $(call native_objs,$(2) $(NATIVE_RUNTIME_SRCS)) $(BUILD_FILES)
	$$(CC) $$(NATIVE_CFLAGS) $$(filter %.o,$$^) $$(NATIVE_LDLIBS) -o $$@
endef

# ---- the WebAssembly half --------------------------------------------------

include emscripten.mk

# A new version rebuilds the one file that writes it.
$(foreach d,$(NATIVE_ASAN_OBJ) $(NATIVE_TSAN_OBJ) $(NATIVE_OBJ) $(WASM_OBJ) $(WASM_THREADS_OBJ),$(d)/runtime/core/http.o): package.json

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- what gets built -------------------------------------------------------

# The C test suite (tests/node/c_suite.test.mjs runs it both ways).
$(eval $(call asan_program,corio-tests,$(TEST_SRCS)))
$(eval $(call wasm_program,corio-tests,$(TEST_SRCS)))
build/native/corio-tests: PROGRAM_LDFLAGS := $(TEST_LDFLAGS)
build/wasm/corio-tests.mjs: WASM_PROGRAM_LDFLAGS += $(TEST_LDFLAGS)
# The threads tests under ThreadSanitizer (tests/node/threads_tsan.test.mjs).
$(eval $(call tsan_program,thread-tests-tsan,tests/c/runner.c tests/c/test_thread.c))

# A task overflowing its C stack (tests/node/stack_overflow.test.mjs).
STACK_OVERFLOW := tests/c/programs/stack_overflow.c
$(eval $(call native_program,stack_overflow,$(STACK_OVERFLOW)))
$(eval $(call asan_program,stack_overflow-asan,$(STACK_OVERFLOW)))
$(eval $(call wasm_program,stack_overflow,$(STACK_OVERFLOW)))
# A task outgrowing its Asyncify buffer (wasm only).
$(eval $(call wasm_program,asyncify_overflow,tests/c/programs/asyncify_overflow.c))

# Each diagnostic line provoked (tests/node/diagnostics.test.mjs), natively
# (without ASan: one mode leaks an abandoned task on purpose) and as wasm.
DIAGNOSTICS := tests/c/programs/diagnostics.c
$(eval $(call native_program,diagnostics,$(DIAGNOSTICS)))
$(eval $(call wasm_program,diagnostics,$(DIAGNOSTICS)))
diagnostics-programs: build/native/diagnostics build/wasm/diagnostics.mjs

# Coroutines exported to JS (tests/node/js_run.test.mjs).
$(eval $(call wasm_module,js_exports,tests/c/programs/js_exports.c))

# A stream client over the wasm transports (tests/node/fetch_carrier.test.mjs).
$(eval $(call wasm_program,stream_client,tests/c/programs/stream_client.c))

# A native TLS stream client (tests/node/tls_native.test.mjs), under ASan.
$(eval $(call asan_program,tls_client,tests/c/programs/tls_client.c))

# A native server out of descriptors (tests/node/accept_emfile.test.mjs),
# under ASan.
$(eval $(call asan_program,accept_emfile,tests/c/programs/accept_emfile.c))

# libFuzzer harnesses (tests/fuzz/, tests/node/fuzz.test.mjs, `npm run
# fuzz`): clang only. The parsers they fuzz are compiled with coverage
# (-fsanitize=fuzzer-no-link); the rest of the runtime is the ASan build's.
FUZZERS := url head chunked body
FUZZED_SRCS := runtime/core/http_parse.c runtime/core/url.c \
  runtime/core/url_host.c runtime/core/url_target.c
FUZZ_OBJ := build/native/obj/fuzz
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -g -O1 $(WARNINGS) $(FUZZ_SANITIZE) \
  -fsanitize=fuzzer-no-link
$(FUZZ_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@
FUZZ_RUNTIME_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZED_SRCS)) \
  $(call asan_objs,$(filter-out $(FUZZED_SRCS),$(NATIVE_RUNTIME_SRCS)))
build/native/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_RUNTIME_OBJS) $(BUILD_FILES)
	clang $(FUZZ_SANITIZE) -fsanitize=fuzzer $(filter %.o,$^) $(NATIVE_LDLIBS) -o $@
# Kept: make would delete them as intermediate files of the pattern rule.
.SECONDARY: $(FUZZERS:%=$(FUZZ_OBJ)/tests/fuzz/fuzz_%.o) \
  $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZED_SRCS))
# The seed corpora's writer (tests/fuzz/seeds.c).
build/native/fuzz_seeds: tests/fuzz/seeds.c tests/fixtures/http_responses.h $(BUILD_FILES)
	@mkdir -p $(@D)
	$(CC) -std=c11 -O1 $(WARNINGS) $(CPPFLAGS) $< -o $@

# corio_url_parse on standard input's lines (tests/node/url_whatwg.test.mjs),
# under ASan.
$(eval $(call asan_program,url_parse,tests/c/programs/url_parse.c))

# The C checker on the command line's URLs (tests/node/hostile.test.mjs),
# under ASan.
$(eval $(call asan_program,check_urls,tests/c/programs/check_urls.c $(CHECKER_SRCS)))

# Allocation-failure injection (tests/node/alloc_fail.test.mjs), under
# ASan: this program's link alone wraps the allocator, the runtime's calls
# included, so that it can fail the Nth allocation.
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup \
  -Wl,--wrap=strndup,--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=mmap
ALLOC_FAIL_SRCS := tests/c/programs/alloc_fail.c $(CHECKER_SRCS)
build/native/alloc_fail: $(call asan_objs,$(ALLOC_FAIL_SRCS) $(NATIVE_RUNTIME_SRCS)) $(BUILD_FILES)
	$(CC) $(NATIVE_ASAN_CFLAGS) $(ALLOC_WRAP) $(filter %.o,$^) $(NATIVE_LDLIBS) -o $@

# Examples and benchmarks, each natively and as wasm. Examples may use the
# website checker's portable part (checker/checker.h).
$(foreach p,$(EXAMPLES),$(eval $(call native_program,$(p),examples/$(p).c $(CHECKER_SRCS))))
$(foreach p,$(EXAMPLES),$(eval $(call wasm_program,$(p),examples/$(p).c $(CHECKER_SRCS))))
$(foreach p,$(BENCHES),$(eval $(call native_program,$(p),bench/$(p).c)))
$(foreach p,$(BENCHES),$(eval $(call wasm_program,$(p),bench/$(p).c)))

build/native/libcorio.a: $(call native_objs,$(NATIVE_RUNTIME_SRCS))
	rm -f $@
	ar rcs $@ $^

# ---- targets ---------------------------------------------------------------

.PHONY: all native-tests tsan-tests wasm-tests test-programs stack-overflow-programs \
        diagnostics-programs \
        dist dist-examples package package-c native-lib wasm-lib examples bench-programs \
        fuzzers clean help
.DEFAULT_GOAL := all

# The fuzzers need clang (libFuzzer): without it `all` leaves them out, and
# tests/node/fuzz.test.mjs fails saying so.
HAVE_CLANG := $(shell command -v clang 2>/dev/null)
all: native-tests tsan-tests wasm-tests test-programs examples package package-c \
  dist-examples $(if $(HAVE_CLANG),fuzzers) $(ADDRESS_POLICY_JS)
native-tests: build/native/corio-tests
tsan-tests: build/native/thread-tests-tsan
wasm-tests: build/wasm/corio-tests.mjs build/wasm-threads/corio-tests.cjs
test-programs: stack-overflow-programs diagnostics-programs build/wasm/js_exports.mjs \
  build/wasm/stream_client.mjs build/native/tls_client build/native/accept_emfile \
  build/native/alloc_fail build/native/check_urls build/native/url_parse
stack-overflow-programs: build/native/stack_overflow \
  build/native/stack_overflow-asan build/wasm/stack_overflow.mjs \
  build/wasm/asyncify_overflow.mjs
dist: dist/corio.mjs $(THREADS_DIST) dist-examples $(ADDRESS_POLICY_JS)
dist-examples: $(DIST_EXAMPLES)
package: dist/corio.mjs $(THREADS_DIST) dist/corio.cjs dist/checker.cjs
package-c: build/corio-c/package.json
native-lib: build/native/libcorio.a
wasm-lib: build/wasm/libcorio.a
examples: $(foreach p,$(EXAMPLES),build/native/$(p) build/wasm/$(p).mjs) \
  $(THREADED_EXAMPLES:%=build/wasm-threads/%.cjs)
bench-programs: $(foreach p,$(BENCHES),build/native/$(p) build/wasm/$(p).mjs) \
  build/wasm-threads/corio_bench.cjs
fuzzers: $(FUZZERS:%=build/native/fuzz_%) build/native/fuzz_seeds

clean:
	rm -rf build dist

help:
	@echo 'make [-j2] TARGET   (or make -f emscripten.mk ...: the same build)'
	@echo '  all            native-tests tsan-tests wasm-tests test-programs examples package package-c'
	@echo '                 dist-examples fuzzers (default)'
	@echo '  native-tests   build/native/corio-tests (ASan+UBSan)'
	@echo '  tsan-tests     build/native/thread-tests-tsan (tests/c/test_thread.c, ThreadSanitizer)'
	@echo '  wasm-tests     build/wasm/corio-tests.mjs + .wasm, and the threaded build'"'"'s'
	@echo '                 build/wasm-threads/corio-tests.cjs (Node)'
	@echo '  test-programs  stack_overflow (native, ASan, wasm), diagnostics (native, wasm),'
	@echo '                 js_exports, stream_client (wasm),'
	@echo '                 tls_client, accept_emfile, alloc_fail, check_urls (native, ASan)'
	@echo '  dist           dist/corio.mjs + dist/corio.wasm (no main), dist/threads/'
	@echo '                 (the same with pthreads: node/ and web/), dist-examples'
	@echo '  dist-examples  dist/examples/: each example as NAME.mjs + .wasm + .c, index.json,'
	@echo '                 and threads/NAME.mjs for THREADED_EXAMPLES (isolated pages)'
	@echo '  package        dist/corio.mjs + .wasm + .cjs, dist/threads/: what npm pack ships'
	@echo '  package-c      build/corio-c/: the corio-c package (library, header, JS libraries)'
	@echo '  native-lib     build/native/libcorio.a'
	@echo '  wasm-lib       build/wasm/libcorio.a'
	@echo '  examples       build/native/NAME, build/wasm/NAME.mjs for examples/*.c, and'
	@echo '                 build/wasm-threads/NAME.cjs for THREADED_EXAMPLES (Node)'
	@echo '  bench-programs build/native/NAME, build/wasm/NAME.mjs for bench/*.c, and'
	@echo '                 build/wasm-threads/corio_bench.cjs'
	@echo '  fuzzers        build/native/fuzz_NAME: libFuzzer harnesses of tests/fuzz/ (clang),'
	@echo '                 and fuzz_seeds, their seed corpora'
	@echo '  clean          removes build/ and dist/'
