# Makefile — `make TARGET` is `make -f emscripten.mk TARGET`: the build lives
# in emscripten.mk (`make help` lists the targets).
include emscripten.mk
