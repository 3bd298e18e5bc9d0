# Writes the build facts every result file records (its "context") into
# OUTPUT from TEMPLATE. Run by the pebench_build_info target at every build,
# not only at configure time, so that "git" names the commit the binary was
# built from; "-dirty" marks a build whose sources differ from that commit.
# configure_file rewrites OUTPUT only when its text changes, so an unchanged
# commit recompiles nothing.
#   cmake -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DPROJECT_VERSION=...
#         -DCOMPILER_ID=... -DCOMPILER_VERSION=... -DBUILD_TYPE=... -P WriteBuildInfo.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE PEBENCH_GIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
if(failed OR NOT PEBENCH_GIT)
  set(PEBENCH_GIT "unknown")
else()
  # The directories compiled into the binary (results/ and docs/ do not count).
  execute_process(COMMAND git status --porcelain --untracked-files=no -- CMakeLists.txt cmake common tasks models
                          harness
                  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
  if(changes)
    string(APPEND PEBENCH_GIT "-dirty")
  endif()
endif()
set(CMAKE_SOURCE_DIR ${SOURCE_DIR})
set(CMAKE_CXX_COMPILER_ID ${COMPILER_ID})
set(CMAKE_CXX_COMPILER_VERSION ${COMPILER_VERSION})
set(CMAKE_BUILD_TYPE ${BUILD_TYPE})
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
