#pragma once
// Facts about this build, recorded in every result file's "context" and shown
// by `pebench --version`. They live in one generated source file
// (cmake/build_info.cpp.in) rather than in compile definitions, so that a new
// commit or another checkout recompiles one file, not the whole tree.

namespace pebench {

const char* build_version();     // the project version, e.g. "0.1.0"
const char* build_git();         // short commit hash built from ("-dirty": sources changed since), or "unknown"
const char* build_source_dir();  // the source tree this binary was built from
const char* build_compiler();    // e.g. "GNU 12.2.0"
const char* build_type();        // CMake build type, e.g. "Release"

}  // namespace pebench
