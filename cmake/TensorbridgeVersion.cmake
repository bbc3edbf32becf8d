# tensorbridge_read_version(<version.hpp> <out-var>)
#
# Reads TENSORBRIDGE_VERSION_MAJOR/MINOR/PATCH from version.hpp and stores "MAJOR.MINOR.PATCH"
# in <out-var>. version.hpp is the single source of the version; a header we cannot parse is a
# hard error rather than a silently wrong package version.
function(tensorbridge_read_version header out_var)
  file(STRINGS "${header}" _lines REGEX "^#define TENSORBRIDGE_VERSION_(MAJOR|MINOR|PATCH) ")
  set(_parts "")
  foreach(_part IN ITEMS MAJOR MINOR PATCH)
    set(_value "")
    foreach(_line IN LISTS _lines)
      if(_line MATCHES "^#define TENSORBRIDGE_VERSION_${_part} +([0-9]+)")
        set(_value "${CMAKE_MATCH_1}")
      endif()
    endforeach()
    if(_value STREQUAL "")
      message(FATAL_ERROR "tensorbridge: no TENSORBRIDGE_VERSION_${_part} in ${header}")
    endif()
    list(APPEND _parts "${_value}")
  endforeach()
  list(JOIN _parts "." _version)
  set(${out_var} "${_version}" PARENT_SCOPE)
endfunction()
