// The ABI tag that lets pebench refuse a plugin built against another pebench.
//
// Every registration (PEBENCH_TASK, PEBENCH_ENCODING) passes the tag of the
// headers it was compiled with; while a plugin library loads, the registry
// compares it with the running binary's tag (builtin_abi_tag()) and rejects
// the library on a mismatch, before any of its classes is instantiated. The
// tag is "pebench <version> api <hash of the public headers>" plus the two
// compile-time facts that change object layouts without changing a header:
// libstdc++'s string ABI and the SIMD alignment Eigen derives from -march.
//
// In the source tree PEBENCH_PLUGIN_ABI_TAG is the binary's own tag (built-in
// code always matches); `cmake --install` replaces this file by one where it
// is the literal tag of the installed build (cmake/write_abi_tag.cmake).
#pragma once
#include <string>  // defines _GLIBCXX_USE_CXX11_ABI

#define PEBENCH_ABI_STRINGIFY_INNER(x) #x
#define PEBENCH_ABI_STRINGIFY(x) PEBENCH_ABI_STRINGIFY_INNER(x)
#if defined(__AVX512F__)
#define PEBENCH_ABI_ALIGN "64"
#elif defined(__AVX__)
#define PEBENCH_ABI_ALIGN "32"
#else
#define PEBENCH_ABI_ALIGN "16"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define PEBENCH_ABI_STRING_ABI PEBENCH_ABI_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define PEBENCH_ABI_STRING_ABI "none"
#endif
// The part of the tag that the compiler flags decide.
#define PEBENCH_ABI_TARGET " cxx11abi " PEBENCH_ABI_STRING_ABI " align " PEBENCH_ABI_ALIGN

namespace pebench {
// The running binary's tag (generated at build time: build/generated/abi_tag.cpp).
const char* builtin_abi_tag();
}  // namespace pebench

#ifndef PEBENCH_PLUGIN_ABI_TAG
#define PEBENCH_PLUGIN_ABI_TAG ::pebench::builtin_abi_tag()
#endif
