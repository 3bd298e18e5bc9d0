# pebench_add_plugin(NAME SOURCES file.cpp ...)
#
# Builds lib<NAME>.so, a plugin that `pebench --plugin lib<NAME>.so` (or a
# directory in PEBENCH_PLUGIN_PATH) loads. The sources register their tasks and
# encodings with PEBENCH_TASK / PEBENCH_ENCODING, exactly as built-in ones do,
# and are compiled with the headers and the ABI-relevant flags (-march, -fopenmp,
# C++17) of the pebench they are built against. The library links to nothing of
# pebench: its calls into pebench are resolved against the pebench executable
# when it loads the plugin. Used by the installed package (find_package(pebench))
# and by pebench's own build for its tests.
function(pebench_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 PEBENCH_PLUGIN "" "" "SOURCES")
  if(PEBENCH_PLUGIN_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pebench_add_plugin(${name}): unexpected arguments ${PEBENCH_PLUGIN_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT PEBENCH_PLUGIN_SOURCES)
    message(FATAL_ERROR "pebench_add_plugin(${name}): give the plugin's sources after SOURCES")
  endif()
  add_library(${name} MODULE ${PEBENCH_PLUGIN_SOURCES})
  target_link_libraries(${name} PRIVATE pebench::plugin_api)
endfunction()
