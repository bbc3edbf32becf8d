# Helpers for tensorbridge's own targets: tests, examples, benchmarks.
#
# Warnings-as-errors and sanitizers are applied here, per target, and never to the INTERFACE
# target tensorbridge::tensorbridge: a consumer's flags are the consumer's business.
#
#   tb_target_warnings(<target>)
#       -Wall -Wextra -Wpedantic (/W4 /permissive- with MSVC) for C++ sources, plus -Werror (/WX)
#       when TENSORBRIDGE_WARNINGS_AS_ERRORS is ON.
#
#   tb_target_sanitizers(<target>)
#       When TENSORBRIDGE_SANITIZE is ON: AddressSanitizer + UndefinedBehaviorSanitizer, any
#       finding is fatal (-fno-sanitize-recover=all).
#
#   tb_add_test(<name> SOURCES <src>... [LABELS <label>...] [LIBRARIES <lib>...])
#       An executable <name> from <src>... linked to tensorbridge::tensorbridge, GTest::gtest_main
#       and <lib>..., with warnings and sanitizers as above. Its sources compile as one
#       translation unit (unity build) unless TENSORBRIDGE_UNITY_TESTS is OFF, so file-local
#       helpers must have distinct names across the files of one test (shared ones go in a
#       header); a source that must be its own translation unit sets the source property
#       SKIP_UNITY_BUILD_INCLUSION. Each GoogleTest case becomes a ctest
#       test (discovered when ctest runs, so a crashing binary fails a test instead of the build)
#       carrying the labels <label>.... (ctest re-lists a binary's tests only when the binary
#       is rebuilt, so after changing LABELS alone, touch one of its sources.)
#
#   tb_add_example(<name> SOURCES <src>... [LIBRARIES <lib>...] [NO_RUN]
#                  [SANITIZED_ARGS <arg>...])
#       An executable <name> linked to tensorbridge::tensorbridge with warnings and sanitizers;
#       when tests are enabled it is also run as ctest test "example.<name>" (label "example")
#       unless NO_RUN is given, with SANITIZED_ARGS in a sanitizer build (a shorter run: an
#       unoptimized ASan build is ~150x slower, and more epochs reach no new code).
#
#   tb_add_benchmark(<name> SOURCES <src>... [LIBRARIES <lib>...])
#       An executable <name> linked to tensorbridge::tensorbridge and benchmark::benchmark_main,
#       with warnings but no sanitizers (they would distort every timing).

include_guard(GLOBAL)

function(tb_target_warnings target)
  if(MSVC)
    set(_warn /W4 /permissive-)
    set(_werror /WX)
  else()
    set(_warn -Wall -Wextra -Wpedantic)
    set(_werror -Werror)
  endif()
  if(NOT TENSORBRIDGE_WARNINGS_AS_ERRORS)
    set(_werror "")
  endif()
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANGUAGE:CXX>:${_warn};${_werror}>")
endfunction()

function(tb_target_sanitizers target)
  if(NOT TENSORBRIDGE_SANITIZE)
    return()
  endif()
  if(MSVC)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:/fsanitize=address>")
    return()
  endif()
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${_san}>")
  target_link_options(${target} PRIVATE ${_san})
endfunction()

# Turn off to rebuild only the edited test file while iterating on one test.
option(TENSORBRIDGE_UNITY_TESTS "Compile the sources of each test executable as one unit" ON)

# Settings every one of our executables shares.
function(_tb_own_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "${name}: SOURCES is required")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE tensorbridge::tensorbridge ${ARG_LIBRARIES})
  tb_target_warnings(${name})
endfunction()

function(tb_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LABELS;LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tb_add_test(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET GTest::gtest_main)
    find_package(GTest REQUIRED)
  endif()
  include(GoogleTest)

  _tb_own_executable(${name} SOURCES ${ARG_SOURCES}
                     LIBRARIES GTest::gtest_main ${ARG_LIBRARIES})
  tb_target_sanitizers(${name})
  if(TENSORBRIDGE_UNITY_TESTS)
    set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
    # GCC warns when a test class derives from a fixture in an anonymous namespace of an
    # included file; in a unity build every test file is an included file.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Wno-subobject-linkage>")
    endif()
  endif()

  set(_properties "")
  if(ARG_LABELS)
    # gtest_discover_tests takes PROPERTIES as key/value pairs: a list value must keep its
    # semicolons escaped to stay one value.
    string(REPLACE ";" "\\;" _labels "${ARG_LABELS}")
    set(_properties PROPERTIES LABELS "${_labels}")
  endif()
  # PRE_TEST: listing the tests happens when ctest runs, so a sanitizer report or a crash at
  # start-up shows up as a failed test with its output, not as a broken build.
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    ${_properties})
endfunction()

function(tb_add_example name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_RUN" "" "SOURCES;LIBRARIES;SANITIZED_ARGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tb_add_example(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  _tb_own_executable(${name} SOURCES ${ARG_SOURCES} LIBRARIES ${ARG_LIBRARIES})
  tb_target_sanitizers(${name})
  if(TENSORBRIDGE_BUILD_TESTS AND NOT ARG_NO_RUN)
    set(_args "")
    if(TENSORBRIDGE_SANITIZE)
      set(_args ${ARG_SANITIZED_ARGS})
    endif()
    add_test(NAME example.${name} COMMAND ${name} ${_args})
    set_tests_properties(example.${name} PROPERTIES LABELS example)
  endif()
endfunction()

function(tb_add_benchmark name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tb_add_benchmark(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET benchmark::benchmark_main)
    find_package(benchmark REQUIRED)
  endif()
  _tb_own_executable(${name} SOURCES ${ARG_SOURCES}
                     LIBRARIES benchmark::benchmark_main ${ARG_LIBRARIES})
endfunction()
