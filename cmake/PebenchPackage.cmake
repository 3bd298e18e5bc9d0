# The plugin API target and `cmake --install build --prefix P`, which installs
#   P/bin/pebench                          (finds P/share/pebench/suites relative to itself)
#   P/share/pebench/suites/*.json          the shipped suites
#   P/include/pebench/{common,tasks,models}/...   the headers a task or encoding needs
#   P/lib/cmake/pebench/                   find_package(pebench CONFIG) with pebench_add_plugin()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Flags a plugin must share with the executable: -march decides Eigen's
# alignment (part of the ABI tag), OpenMP the pragmas in the headers.
set(PEBENCH_PLUGIN_OPTIONS ${PEBENCH_COMPILE_OPTIONS} $<$<CONFIG:Release>:-O3>)
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  list(APPEND PEBENCH_PLUGIN_OPTIONS ${PEBENCH_CPU_OPTIONS})
endif()
add_library(pebench_plugin_api INTERFACE)
add_library(pebench::plugin_api ALIAS pebench_plugin_api)
set_target_properties(pebench_plugin_api PROPERTIES EXPORT_NAME plugin_api)
target_include_directories(pebench_plugin_api INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/pebench>)
target_link_libraries(pebench_plugin_api INTERFACE Eigen3::Eigen nlohmann_json::nlohmann_json OpenMP::OpenMP_CXX)
target_compile_features(pebench_plugin_api INTERFACE cxx_std_17)
target_compile_options(pebench_plugin_api INTERFACE ${PEBENCH_PLUGIN_OPTIONS})
include(${CMAKE_SOURCE_DIR}/cmake/pebenchPluginFunctions.cmake)

set(PEBENCH_INSTALL_SUITESDIR ${CMAKE_INSTALL_DATADIR}/pebench/suites)
set(PEBENCH_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pebench)
install(TARGETS pebench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/harness/suites/ DESTINATION ${PEBENCH_INSTALL_SUITESDIR}
        FILES_MATCHING PATTERN "*.json")
foreach(header IN LISTS PEBENCH_PUBLIC_HEADERS)
  file(RELATIVE_PATH relative ${CMAKE_SOURCE_DIR} ${header})
  get_filename_component(directory ${relative} DIRECTORY)
  if(NOT relative STREQUAL "common/plugin_abi.hpp")
    install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pebench/${directory})
  endif()
endforeach()
install(FILES ${PEBENCH_INSTALLED_ABI_HPP} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pebench/common)

install(TARGETS pebench_plugin_api EXPORT pebenchTargets)
install(EXPORT pebenchTargets NAMESPACE pebench:: DESTINATION ${PEBENCH_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/pebenchConfig.cmake.in
  ${CMAKE_BINARY_DIR}/generated/pebenchConfig.cmake
  INSTALL_DESTINATION ${PEBENCH_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR PEBENCH_INSTALL_SUITESDIR)
# Plugins must be rebuilt for every pebench version (the ABI tag enforces it).
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/pebenchConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ExactVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/pebenchConfig.cmake
              ${CMAKE_BINARY_DIR}/generated/pebenchConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/pebenchPluginFunctions.cmake
        DESTINATION ${PEBENCH_INSTALL_CMAKEDIR})
