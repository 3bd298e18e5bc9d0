# The plugin ABI tag (common/plugin_abi.hpp): generated at build time from the
# public headers, so that it follows every edit without re-running CMake.
#   PEBENCH_PUBLIC_HEADERS     the headers a task or encoding may include (installed)
#   PEBENCH_ABI_TAG_CPP        builtin_abi_tag(), compiled into pebench
#   PEBENCH_INSTALLED_ABI_HPP  installed in place of common/plugin_abi.hpp
file(GLOB_RECURSE PEBENCH_PUBLIC_HEADERS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/common/*.hpp ${CMAKE_SOURCE_DIR}/tasks/*.hpp ${CMAKE_SOURCE_DIR}/models/*.hpp)
list(SORT PEBENCH_PUBLIC_HEADERS)
set(PEBENCH_ABI_TAG_CPP ${CMAKE_BINARY_DIR}/generated/abi_tag.cpp)
set(PEBENCH_INSTALLED_ABI_HPP ${CMAKE_BINARY_DIR}/generated/install/plugin_abi.hpp)
string(REPLACE ";" "|" pebench_headers_arg "${PEBENCH_PUBLIC_HEADERS}")
add_custom_command(
  OUTPUT ${PEBENCH_ABI_TAG_CPP} ${PEBENCH_INSTALLED_ABI_HPP}
  COMMAND ${CMAKE_COMMAND} "-DHEADERS=${pebench_headers_arg}" -DVERSION=${PROJECT_VERSION}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT_CPP=${PEBENCH_ABI_TAG_CPP} -DOUT_HPP=${PEBENCH_INSTALLED_ABI_HPP}
          -P ${CMAKE_SOURCE_DIR}/cmake/write_abi_tag.cmake
  DEPENDS ${PEBENCH_PUBLIC_HEADERS} ${CMAKE_SOURCE_DIR}/cmake/write_abi_tag.cmake
  COMMENT "Plugin ABI tag"
  VERBATIM)
