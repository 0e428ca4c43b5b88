# emscripten.mk — the WebAssembly half of corio's build (Emscripten 3.1.6,
# Asyncify): the emcc flags, the wasm objects and link recipes, the npm
# module (dist/), the Examples tab's programs, the corio-c package, and the
# threaded builds (-pthread: the test, bench and example programs in
# build/wasm-threads/ for Node, the npm module in dist/threads/ for Node and
# pages, the threaded examples in dist/examples/threads/). The top-level
# Makefile owns what both halves share (the sources of the core and of each
# backend, the version, the C flags, what gets built, the targets) and the
# native half, and includes this file. `make -f
# emscripten.mk TARGET` still works: run directly, this file reads the
# Makefile, which reads it back as its wasm half.
ifndef CORIO_MAKEFILE
include Makefile
else

EMCC := emcc
EMAR := emar

# ---- flags -----------------------------------------------------------------

# -flto: the core calls its fiber backend across files on every task switch;
# link-time inlining removes those frames from each Asyncify unwind and
# rewind (about 10% off a task switch, measured with `npm run bench`).
WASM_CFLAGS := -std=c11 -O2 -flto $(WARNINGS)

# Link flags of every wasm build. Names in ASYNCIFY_IMPORTS are added to
# Emscripten's defaults (emscripten_fiber_swap, emscripten_sleep, ...), not
# substituted for them. STACK_OVERFLOW_CHECK=2 turns a task's C-stack
# overflow into an abort saying "stack overflow" (the fiber swap sets the
# limits). ENVIRONMENT=web,worker: Node loads the module through the same ES
# factory by passing wasmBinary or instantiateWasm (docs/toolchain.md).
# Functions Asyncify need not instrument: they never suspend, but an
# indirect call in them (stdio's write hook, the report function) would make
# Asyncify instrument them and every caller up to the task's entry, slowing
# task creation and completion (they report through corio__report_line).
# Exact names: a pattern such as *printf* would also match a test named
# ..._like_snprintf, and an uninstrumented function on the stack of a
# suspension traps. The libc names are those every corio program links (a
# name a program lacks draws a warning). corio_set_report_fn's function
# must not suspend (corio.h says so).
ASYNCIFY_NEVER_SUSPEND := __fwritex __vfprintf_internal fiprintf fwrite \
  printf_core snprintf vsnprintf corio__report_line
comma := ,
space := $(subst ,, )
WASM_RUNTIME_LDFLAGS := -O2 -flto \
  -sASYNCIFY -sASYNCIFY_IMPORTS=corio_js_host_wait,corio_js_fiber_swap \
  -sASYNCIFY_REMOVE=$(subst $(space),$(comma),$(strip $(ASYNCIFY_NEVER_SUSPEND))) \
  -sSTACK_OVERFLOW_CHECK=2 \
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
  $(foreach l,$(JS_LIBRARY),--js-library $(l))
WASM_LDFLAGS := $(WASM_RUNTIME_LDFLAGS) \
  -sMODULARIZE -sEXPORT_ES6 -sENVIRONMENT=web,worker
# The runtime helpers that npm/corio.mjs, the JS libraries and the tests
# call. corio's own C functions that JS may call are exported where they
# are defined, by EMSCRIPTEN_KEEPALIVE, and only there: calls into C are
# named corio_export_* (commands) and corio_on_* (reports of host events),
# calls into JS corio_js_* (imports from the JS libraries). Only
# Emscripten's malloc and free are listed here.
RUNTIME_METHODS := ccall,cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8
WASM_JS_API := _malloc,_free
# A program with main(), run by a harness that calls callMain(args) and
# waits for onExit (tests, test programs, benchmarks).
WASM_PROGRAM_LDFLAGS := $(WASM_LDFLAGS) -sEXIT_RUNTIME=1 -sINVOKE_RUN=0 \
  -sEXPORTED_FUNCTIONS=_main,$(WASM_JS_API) \
  -sEXPORTED_RUNTIME_METHODS=callMain,$(RUNTIME_METHODS)
# A module without main whose coroutines JS runs (dist/, tests of the JS API).
# No callMain here: 3.1.6 would export it undefined, and loading the module
# would throw "ReferenceError: callMain is not defined".
WASM_MODULE_EXPORTS := --no-entry -sEXPORTED_FUNCTIONS=$(WASM_JS_API) \
  -sEXPORTED_RUNTIME_METHODS=$(RUNTIME_METHODS)
WASM_MODULE_LDFLAGS := $(WASM_LDFLAGS) $(WASM_MODULE_EXPORTS)

# ---- objects ---------------------------------------------------------------

WASM_OBJ := build/wasm/obj
wasm_objs = $(patsubst %.c,$(WASM_OBJ)/%.o,$(1))

$(WASM_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

# ---- link recipes ----------------------------------------------------------

# The .wasm is written beside the .mjs by the same command.
define wasm_program
build/wasm/$(1).mjs: $(call wasm_objs,$(2) $(WASM_RUNTIME_SRCS)) $(JS_LIBRARY) $(BUILD_FILES)
	$$(EMCC) $$(WASM_PROGRAM_LDFLAGS) $$(filter %.o,$$^) -o $$@
build/wasm/$(1).wasm: build/wasm/$(1).mjs
endef

define wasm_module
build/wasm/$(1).mjs: $(call wasm_objs,$(2) $(WASM_RUNTIME_SRCS)) $(JS_LIBRARY) $(BUILD_FILES)
	$$(EMCC) $$(WASM_MODULE_LDFLAGS) $$(filter %.o,$$^) -o $$@
build/wasm/$(1).wasm: build/wasm/$(1).mjs
endef

# ---- the threaded build -----------------------------------------------------

# The runtime with pthreads (shared memory, atomics): worker threads run
# blocking C (corio_to_thread, executors) while the loop, and with it every
# Asyncify suspension, stays on the main thread; a worker wakes it through
# the waker in runtime/host/host_js.c. Its programs here run under Node,
# as CommonJS beside a package.json that says so; docs/toolchain.md gives
# the reason for each of these flags (the traps of 3.1.6 with -pthread).
WASM_THREADS_OBJ := build/wasm-threads/obj
wasm_threads_objs = $(patsubst %.c,$(WASM_THREADS_OBJ)/%.o,$(1))
# One more function that never suspends, in the threaded builds only: on
# the main thread a lock that has to wait (malloc's, free's) runs the calls
# queued to it through a function pointer, which made Asyncify instrument
# everything that allocates. Calls queued to the main thread must therefore
# never suspend (docs/toolchain.md). The later -sASYNCIFY_REMOVE replaces
# the one in WASM_RUNTIME_LDFLAGS.
ASYNCIFY_NEVER_SUSPEND_THREADS := $(ASYNCIFY_NEVER_SUSPEND) \
  emscripten_current_thread_process_queued_calls
WASM_THREADS_LDFLAGS := -pthread -Wno-pthreads-mem-growth \
  -sASYNCIFY_REMOVE=$(subst $(space),$(comma),$(strip $(ASYNCIFY_NEVER_SUSPEND_THREADS)))
WASM_THREADS_PROGRAM_LDFLAGS := $(WASM_RUNTIME_LDFLAGS) $(WASM_THREADS_LDFLAGS) \
  -sPTHREAD_POOL_SIZE=8 -sENVIRONMENT=node \
  -sWASM_ASYNC_COMPILATION=0 -sEXIT_RUNTIME=1 \
  -sEXPORTED_FUNCTIONS=_main,$(WASM_JS_API)

$(WASM_THREADS_OBJ)/%.o: %.c $(BUILD_FILES)
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) -pthread $(CPPFLAGS) -MMD -MP -c $< -o $@

# Node reads the CommonJS loaders' worker.js as CommonJS only where a
# package.json says so (this package is "type": "module").
build/wasm-threads/package.json dist/threads/node/package.json: $(BUILD_FILES)
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $@

define wasm_threads_program
build/wasm-threads/$(1).cjs: $(call wasm_threads_objs,$(2) $(WASM_THREADS_RUNTIME_SRCS)) \
  $(JS_LIBRARY) $(BUILD_FILES) build/wasm-threads/package.json
	$$(EMCC) $$(WASM_THREADS_PROGRAM_LDFLAGS) $$(filter %.o,$$^) -o $$@
build/wasm-threads/$(1).wasm build/wasm-threads/$(1).worker.js: build/wasm-threads/$(1).cjs
endef

$(eval $(call wasm_threads_program,corio-tests,$(TEST_SRCS)))
build/wasm-threads/corio-tests.cjs: WASM_THREADS_PROGRAM_LDFLAGS += $(TEST_LDFLAGS)
$(eval $(call wasm_threads_program,corio_bench,bench/corio_bench.c))
$(foreach p,$(THREADED_EXAMPLES),$(eval $(call wasm_threads_program,$(p),examples/$(p).c)))

# The same examples for the Examples tab of a cross-origin isolated page
# (page/examples_tab.mjs): ES modules like dist/examples/NAME.mjs, whose
# main runs in the tab's worker and whose threads are workers it starts.
WASM_THREADS_WEB_PROGRAM_LDFLAGS := $(WASM_PROGRAM_LDFLAGS) $(WASM_THREADS_LDFLAGS) \
  -sEXPORT_NAME=createCorio
define wasm_threads_web_example
dist/examples/threads/$(1).mjs: $(call wasm_threads_objs,examples/$(1).c $(WASM_THREADS_RUNTIME_SRCS)) \
  $(JS_LIBRARY) $(BUILD_FILES)
	@mkdir -p $$(@D)
	$$(EMCC) $$(WASM_THREADS_WEB_PROGRAM_LDFLAGS) $$(filter %.o,$$^) -o $$@
dist/examples/threads/$(1).wasm dist/examples/threads/$(1).worker.js: dist/examples/threads/$(1).mjs
endef
$(foreach p,$(THREADED_EXAMPLES),$(eval $(call wasm_threads_web_example,$(p))))

# The npm module again with threads (npm/corio.mjs's load() picks it in
# Node and in cross-origin isolated pages), linked twice, since 3.1.6 cannot
# make one loader for both (docs/toolchain.md): dist/threads/node/ as
# CommonJS for the reasons above, beside the package.json that says so, and
# dist/threads/web/ as an ES module whose workers import it. Each is
# compiled asynchronously, unlike the programs: 3.1.6's worker.js awaits the
# factory, which returns a Promise only then, so in Node the caller passes
# wasmBinary, as for dist/corio.mjs. No pool is made ahead: a worker starts
# without the main thread waiting for it, and a pool made at load would
# cost every load() the time to start it, threads or none. A module is a
# guest in its user's process: it installs no uncaughtException or
# unhandledRejection handler (3.1.6 does by default under Node).
WASM_THREADS_MODULE_LDFLAGS := $(WASM_RUNTIME_LDFLAGS) $(WASM_THREADS_LDFLAGS) \
  -sMODULARIZE -sEXPORT_NAME=createCorio $(WASM_MODULE_EXPORTS) \
  -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 \
  --js-library $(CHECKER_JS_LIBRARY)
THREADS_DIST_DEPS := $(call wasm_threads_objs,$(DIST_SRCS) $(WASM_THREADS_RUNTIME_SRCS)) \
  $(JS_LIBRARY) $(CHECKER_JS_LIBRARY) $(BUILD_FILES)
dist/threads/node/corio.cjs: $(THREADS_DIST_DEPS) dist/threads/node/package.json
	$(EMCC) $(WASM_THREADS_MODULE_LDFLAGS) -sENVIRONMENT=node $(filter %.o,$^) -o $@
dist/threads/web/corio.mjs: $(THREADS_DIST_DEPS)
	@mkdir -p $(@D)
	$(EMCC) $(WASM_THREADS_MODULE_LDFLAGS) -sEXPORT_ES6 -sENVIRONMENT=web,worker \
	  $(filter %.o,$^) -o $@
dist/threads/node/corio.wasm dist/threads/node/corio.worker.js: dist/threads/node/corio.cjs
dist/threads/web/corio.wasm dist/threads/web/corio.worker.js: dist/threads/web/corio.mjs
# The two links make the same .wasm (only the loaders differ): the package
# ships it once, and load() hands it to either loader. Made from the
# loaders' rules (a .wasm's own rule has no recipe, and make may judge it
# before its loader is linked again).
dist/threads/corio.wasm: dist/threads/node/corio.cjs dist/threads/web/corio.mjs
	cmp dist/threads/node/corio.wasm dist/threads/web/corio.wasm || \
	  { echo 'the threaded loaders need different .wasm files: ship both' >&2; exit 1; }
	cp dist/threads/node/corio.wasm $@
THREADS_DIST := dist/threads/corio.wasm \
  $(addprefix dist/threads/node/,corio.cjs corio.worker.js package.json) \
  $(addprefix dist/threads/web/,corio.mjs corio.worker.js)

# ---- wasm-only builds -------------------------------------------------------

# The npm module's wasm: the runtime plus the demo's coroutines and the
# checker, no main.
dist/corio.mjs: $(call wasm_objs,$(DIST_SRCS) $(WASM_RUNTIME_SRCS)) $(JS_LIBRARY) \
  $(CHECKER_JS_LIBRARY) $(BUILD_FILES)
	@mkdir -p $(@D)
	$(EMCC) $(WASM_MODULE_LDFLAGS) --js-library $(CHECKER_JS_LIBRARY) \
	  $(filter %.o,$^) -o $@
dist/corio.wasm: dist/corio.mjs

# The demo page's Examples tab (page/examples_tab.mjs): each example's wasm
# program (the build/wasm one, already made for web,worker), its source, the
# threaded build of those that need threads, and an index of names, titles
# and which have threads (scripts/examples_index.mjs).
DIST_EXAMPLES := $(foreach p,$(EXAMPLES),$(addprefix dist/examples/$(p),.mjs .wasm .c)) \
  $(foreach p,$(THREADED_EXAMPLES),$(addprefix dist/examples/threads/$(p),.mjs .wasm .worker.js)) \
  dist/examples/index.json
dist/examples/%.mjs: build/wasm/%.mjs
	@mkdir -p $(@D)
	cp $< $@
# From the .mjs's rule: the .wasm's own rule has no recipe, and make may
# judge it before the program is linked again (a stale .wasm under a new
# .mjs fails in the page).
dist/examples/%.wasm: build/wasm/%.mjs
	@mkdir -p $(@D)
	cp build/wasm/$*.wasm $@
dist/examples/%.c: examples/%.c
	@mkdir -p $(@D)
	cp $< $@
dist/examples/index.json: scripts/examples_index.mjs $(EXAMPLES:%=examples/%.c) $(BUILD_FILES)
	@mkdir -p $(@D)
	node scripts/examples_index.mjs $@ --threads=$(subst $(space),$(comma),$(THREADED_EXAMPLES)) \
	  $(filter %.c,$^)

build/wasm/libcorio.a: $(call wasm_objs,$(WASM_RUNTIME_SRCS))
	rm -f $@
	$(EMAR) rcs $@ $^

# The npm package's CommonJS entry (require('corio')), bundled with esbuild
# from the ES module sources (a devDependency: npm ci first), and
# dist/checker.cjs beside it (require('corio/checker')).
dist/checker.cjs: dist/corio.cjs
dist/corio.cjs: scripts/build-cjs.mjs $(wildcard npm/*.mjs) dist/corio.mjs
	node scripts/build-cjs.mjs $@

# The corio-c package for C users (README, "For C users"): the wasm runtime
# library, its header and the Emscripten JS libraries it links with (the
# status table, the task switch, the event loop, the stream transports),
# with a package.json and README of its own that scripts/corio-c-package.mjs
# writes. JS users of corio do not download it. npm pack build/corio-c
# packs it.
CORIO_C_FILES := build/corio-c/lib/libcorio.a build/corio-c/lib/library_status.js \
  build/corio-c/lib/library_fiber.js build/corio-c/lib/library_host.js \
  build/corio-c/lib/library_net.js build/corio-c/lib/library_process.js \
  build/corio-c/include/corio.h \
  build/corio-c/LICENSE
build/corio-c/lib/libcorio.a: build/wasm/libcorio.a
build/corio-c/lib/library_status.js: $(STATUS_JS_LIBRARY)
build/corio-c/lib/library_fiber.js: runtime/fiber/library_fiber.js
build/corio-c/lib/library_host.js: runtime/host/library_host.js
build/corio-c/lib/library_net.js: runtime/host/library_net.js
build/corio-c/lib/library_process.js: runtime/host/library_process.js
build/corio-c/include/corio.h: include/corio.h
build/corio-c/LICENSE: LICENSE
$(CORIO_C_FILES):
	@mkdir -p $(@D)
	cp $< $@
build/corio-c/package.json: scripts/corio-c-package.mjs package.json $(CORIO_C_FILES)
	node scripts/corio-c-package.mjs build/corio-c

endif
