# Plugins built beside the tests (tests/test_plugins.cpp loads them through the
# CLI): the example plugin, the same sources with a foreign ABI tag, and a
# shared library that is not a plugin.
pebench_add_plugin(pebench_example_plugin SOURCES
  ${CMAKE_SOURCE_DIR}/examples/plugin/majority.cpp ${CMAKE_SOURCE_DIR}/examples/plugin/sqrt_alibi.cpp)
pebench_add_plugin(pebench_test_foreign_abi_plugin SOURCES ${CMAKE_SOURCE_DIR}/examples/plugin/majority.cpp)
target_compile_definitions(pebench_test_foreign_abi_plugin PRIVATE
  "PEBENCH_PLUGIN_ABI_TAG=\"pebench 0.0.1 api 0000000000000000 cxx11abi 1 align 16\"")
add_library(pebench_test_not_a_plugin MODULE ${CMAKE_SOURCE_DIR}/tests/plugins/not_a_plugin.cpp)
set(PEBENCH_TEST_PLUGINS pebench_example_plugin pebench_test_foreign_abi_plugin pebench_test_not_a_plugin)
