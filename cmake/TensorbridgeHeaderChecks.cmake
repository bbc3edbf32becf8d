# Header hygiene: every public header compiles on its own, and twice in a row (include guard).
#
#   tb_public_headers(<prefix> <include-dir>)
#       Globs <include-dir>/tensorbridge for *.hpp and *.cuh (re-globbed at build time, so a new
#       header is picked up without re-running cmake by hand) and sorts them, as paths relative
#       to <include-dir>, into:
#         <prefix>_CPU       need only a C++17 compiler and Eigen
#         <prefix>_CUDA      cuda/**: host code against the CUDA runtime (tensorbridge::cuda)
#         <prefix>_NVCC      kernels/cuda/** and every .cuh: need nvcc
#         <prefix>_PYBIND11  pybind11.hpp, interop/pybind11*.hpp: need pybind11 and Python
#
#   tb_add_header_check(<target> HEADERS <header>... LIBRARIES <lib>...)
#       An OBJECT library with one generated translation unit per header, built with our warnings
#       (as errors when TENSORBRIDGE_WARNINGS_AS_ERRORS is ON), unoptimized and without -g. A
#       header that does not include what it uses, or lacks an include guard, breaks the build.
#       An umbrella header (only `#pragma once` and #includes of other checked headers, such as
#       tensorbridge.hpp) is checked by reading it instead: compiling it would re-instantiate
#       every op it pulls in (~14 s each) to learn nothing the headers it lists do not show.
#
#   tb_write_all_headers_tu(<file> HEADERS <header>...)
#       Writes one translation unit that includes every <header> (used for the nvcc check).

include_guard(GLOBAL)

function(tb_public_headers prefix include_dir)
  file(GLOB_RECURSE _headers CONFIGURE_DEPENDS RELATIVE "${include_dir}"
       "${include_dir}/tensorbridge/*.hpp" "${include_dir}/tensorbridge/*.cuh")
  list(SORT _headers)
  set(_cpu "")
  set(_cuda "")
  set(_nvcc "")
  set(_pybind11 "")
  foreach(_h IN LISTS _headers)
    if(_h MATCHES "\\.cuh$" OR _h MATCHES "^tensorbridge/kernels/cuda/")
      list(APPEND _nvcc "${_h}")
    elseif(_h MATCHES "^tensorbridge/cuda/")
      list(APPEND _cuda "${_h}")
    elseif(_h STREQUAL "tensorbridge/pybind11.hpp" OR _h MATCHES "^tensorbridge/interop/pybind11")
      list(APPEND _pybind11 "${_h}")
    else()
      list(APPEND _cpu "${_h}")
    endif()
  endforeach()
  set(${prefix}_CPU "${_cpu}" PARENT_SCOPE)
  set(${prefix}_CUDA "${_cuda}" PARENT_SCOPE)
  set(${prefix}_NVCC "${_nvcc}" PARENT_SCOPE)
  set(${prefix}_PYBIND11 "${_pybind11}" PARENT_SCOPE)
endfunction()

function(tb_add_header_check target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "HEADERS;LIBRARIES")
  if(NOT ARG_HEADERS)
    return()
  endif()
  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  set(_sources "")
  foreach(_h IN LISTS ARG_HEADERS)
    _tb_is_umbrella_header(_umbrella "${_h}" ${ARG_HEADERS})
    if(_umbrella)
      continue()
    endif()
    string(REGEX REPLACE "[/.]" "_" _stem "${_h}")
    set(_src "${_dir}/${_stem}.cpp")
    # file(CONFIGURE) rewrites only on change, so re-running cmake rebuilds nothing.
    file(CONFIGURE OUTPUT "${_src}" CONTENT "// Generated: ${_h} must compile on its own and \
survive a second inclusion.\n#include <${_h}>\n#include <${_h}>\n" @ONLY)
    list(APPEND _sources "${_src}")
  endforeach()
  add_library(${target} OBJECT ${_sources})
  target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES})
  tb_target_warnings(${target})
  # The objects are never linked or run: skip the optimizer and debug info, which only cost
  # time here (these flags come after the build type's, so they win).
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang>:-O0;-g0>")
endfunction()

# <out> is TRUE when <header> (found on tensorbridge's include path) is an umbrella: nothing
# but comments, blank lines, `#pragma once` and #includes of headers in <checked>.... A
# malformed umbrella (no `#pragma once`, or an include of an unchecked header) is an error.
function(_tb_is_umbrella_header out header)
  set(${out} FALSE PARENT_SCOPE)
  set(_file "${PROJECT_SOURCE_DIR}/include/${header}")
  if(NOT EXISTS "${_file}")
    return()
  endif()
  file(STRINGS "${_file}" _lines)
  set(_includes "")
  set(_guarded FALSE)
  foreach(_line IN LISTS _lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^//")
      continue()
    elseif(_line STREQUAL "#pragma once")
      set(_guarded TRUE)
    elseif(_line MATCHES "^#include [\"<](tensorbridge/[^\">]+)[\">]$")
      list(APPEND _includes "${CMAKE_MATCH_1}")
    else()
      return()  # real code: compile it
    endif()
  endforeach()
  if(NOT _includes)
    return()
  endif()
  if(NOT _guarded)
    message(FATAL_ERROR "${header}: an umbrella header without #pragma once")
  endif()
  foreach(_inc IN LISTS _includes)
    if(NOT _inc IN_LIST ARGN)
      message(FATAL_ERROR "${header} includes ${_inc}, which the header check does not compile")
    endif()
  endforeach()
  # Real code added to it later must bring the compiled check back.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_file}")
  set(${out} TRUE PARENT_SCOPE)
endfunction()

function(tb_write_all_headers_tu file)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "HEADERS")
  set(_content "// Generated: every public header in one translation unit.\n")
  foreach(_h IN LISTS ARG_HEADERS)
    string(APPEND _content "#include <${_h}>\n")
  endforeach()
  file(CONFIGURE OUTPUT "${file}" CONTENT "${_content}" @ONLY)
endfunction()
