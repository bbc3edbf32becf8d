# Drives one consumer test (see tests/CMakeLists.txt): cmake -D... -P drive.cmake
#
#   TB_MODE=install           `cmake --install` TB_BUILD_DIR into a fresh TB_PREFIX and check that
#                             only headers, the CMake package and the licence land there
#   TB_MODE=find_package      build and run tests/consumer against TB_PREFIX
#   TB_MODE=add_subdirectory  ... against the source tree TB_SOURCE_DIR
#   TB_MODE=fetchcontent      ... through FetchContent (SOURCE_DIR), in C++20 to check that
#                             the headers also hold up under a newer standard
#
# Each run starts from an empty build directory, so nothing stale from an earlier run can
# make it pass.
cmake_minimum_required(VERSION 3.21...4.4)

function(tb_run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc COMMAND_ECHO STDOUT)
  if(NOT _rc EQUAL 0)
    list(JOIN ARGN " " _cmd)
    message(FATAL_ERROR "consumer test ${TB_MODE}: command failed (${_rc}): ${_cmd}")
  endif()
endfunction()

set(_config_args "")
if(TB_CONFIG)
  set(_config_args --config "${TB_CONFIG}")
endif()

if(TB_MODE STREQUAL "install")
  file(REMOVE_RECURSE "${TB_PREFIX}")
  tb_run("${CMAKE_COMMAND}" --install "${TB_BUILD_DIR}" --prefix "${TB_PREFIX}" ${_config_args})
  foreach(_f IN ITEMS
      "${TB_INSTALL_INCLUDEDIR}/tensorbridge/version.hpp"
      "${TB_INSTALL_DATADIR}/cmake/tensorbridge/tensorbridgeConfig.cmake"
      "${TB_INSTALL_DATADIR}/cmake/tensorbridge/tensorbridgeConfigVersion.cmake"
      "${TB_INSTALL_DATADIR}/cmake/tensorbridge/tensorbridgeTargets.cmake")
    if(NOT EXISTS "${TB_PREFIX}/${_f}")
      message(FATAL_ERROR "consumer test install: ${_f} was not installed")
    endif()
  endforeach()
  # Header-only: no libraries, no tests, no build leftovers.
  file(GLOB_RECURSE _installed RELATIVE "${TB_PREFIX}" "${TB_PREFIX}/*")
  foreach(_f IN LISTS _installed)
    if(NOT _f MATCHES "^(${TB_INSTALL_INCLUDEDIR}/tensorbridge|${TB_INSTALL_DATADIR}/cmake/tensorbridge|${TB_INSTALL_DATADIR}/doc/tensorbridge)/")
      message(FATAL_ERROR "consumer test install: unexpected file installed: ${_f}")
    endif()
  endforeach()
  list(LENGTH _installed _n)
  message(STATUS "consumer test install: ${_n} files in ${TB_PREFIX}")
  return()
endif()

if(NOT TB_MODE MATCHES "^(find_package|add_subdirectory|fetchcontent)$")
  message(FATAL_ERROR "drive.cmake: unknown TB_MODE '${TB_MODE}'")
endif()

set(_build "${TB_WORK_DIR}/${TB_MODE}")
file(REMOVE_RECURSE "${_build}")

set(_configure
  "${CMAKE_COMMAND}" -S "${TB_CONSUMER_DIR}" -B "${_build}"
  -G "${TB_GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${TB_CXX_COMPILER}"
  "-DTB_CONSUME_MODE=${TB_MODE}"
  "-DTB_EXPECTED_VERSION=${TB_EXPECTED_VERSION}")
if(TB_GENERATOR_PLATFORM)
  list(APPEND _configure -A "${TB_GENERATOR_PLATFORM}")
endif()
if(TB_GENERATOR_TOOLSET)
  list(APPEND _configure -T "${TB_GENERATOR_TOOLSET}")
endif()
if(TB_MAKE_PROGRAM)
  list(APPEND _configure "-DCMAKE_MAKE_PROGRAM=${TB_MAKE_PROGRAM}")
endif()
if(TB_CONFIG)
  list(APPEND _configure "-DCMAKE_BUILD_TYPE=${TB_CONFIG}")
endif()
if(TB_EIGEN3_DIR)
  list(APPEND _configure "-DEigen3_DIR=${TB_EIGEN3_DIR}")
endif()
if(TB_MODE STREQUAL "find_package")
  list(APPEND _configure "-DCMAKE_PREFIX_PATH=${TB_PREFIX}")
else()
  list(APPEND _configure "-DTB_SOURCE_DIR=${TB_SOURCE_DIR}")
endif()
if(TB_MODE STREQUAL "fetchcontent")
  list(APPEND _configure -DCMAKE_CXX_STANDARD=20 -DCMAKE_CXX_STANDARD_REQUIRED=ON)
endif()

tb_run(${_configure})
tb_run("${CMAKE_COMMAND}" --build "${_build}" ${_config_args})
set(_ctest_config "")
if(TB_CONFIG)
  set(_ctest_config -C "${TB_CONFIG}")
endif()
tb_run("${CMAKE_CTEST_COMMAND}" --test-dir "${_build}" --output-on-failure --no-tests=error
       ${_ctest_config})
