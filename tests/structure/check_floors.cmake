# Checks the library's floors: no header or source under include/kernelsolve/ or src/ includes a header of a floor
# above its own.
#
#   cmake -DSOURCE_DIR=<repository root> -P tests/structure/check_floors.cmake
#
# Fails (FATAL_ERROR) listing every violation, one per line, and every file it cannot place on a floor; prints one
# summary line otherwise. Only `#include <kernelsolve/...>` lines count, and, in src/, `#include "..."` lines that
# resolve to a file relative to the including file's directory (those that do not resolve are skipped).

cmake_minimum_required(VERSION 3.20)

# ---------------------------------------------------------------------------------------------------------------------
# The floor table: edit here.
#
# ks_floor(<name> <level> <pattern>...)
#   <level>    0, 1, 2, ... on the ladder (a file may include its own floor and any lower one, never a higher one), or
#              "beside": off the ladder; may include its own floor and ladder floors up to BESIDE_MAY_INCLUDE_UP_TO,
#              and no other floor includes it (a ladder floor never includes a beside floor, nor one beside floor
#              another).
#   <pattern>  a header path under include/kernelsolve/: `*` stands for any part of one path segment, `**` for any
#              depth (`kernels/**` is every file below kernels/, families/ included).
# The first floor whose pattern matches a path wins, so the base floor's operator/ headers come before operator/*.
# ---------------------------------------------------------------------------------------------------------------------
set(_ks_floors)
macro(ks_floor name level)
  list(APPEND _ks_floors ${name})
  set(_ks_floor_${name}_level ${level})
  set(_ks_floor_${name}_patterns ${ARGN})
endmacro()

ks_floor(base      0      error.hpp version.hpp detail/* core/*)  # errors, communicator, timings, Kokkos helpers
ks_floor(geometry  1      geometry/*)            # spatial order, kd-tree, overlapping cells: points only, no kernel
ks_floor(kernel    2      kernels/** formula/*)  # kernel functors, the family list, KeOps formulas
ks_floor(product   3      product/**)            # K(t, s) w and its gradient sums, cutoff patterns
ks_floor(operator  4      operator/*)            # K + alpha I over MPI, the operator concepts, predict
ks_floor(solver    5      solver/**)             # CG, refinement, preconditioners, verdicts
ks_floor(gradient  6      gradient/*)            # dL/db, dL/dx, dL/dalpha, dL/dg by an adjoint solve
ks_floor(runtime   7      runtime/*)             # KernelSolver: the choices by value
ks_floor(io        beside io/*)         # I/O of arrays: on top of the operator's floors, used by apps, not the library
ks_floor(reference beside reference/*)  # dense references for tests: no header outside reference/ includes them

# Beside floors may include ladder floors up to this level (4: operator); nothing from solver, gradient or runtime.
set(BESIDE_MAY_INCLUDE_UP_TO 4)

# Headers that are not checked at all (paths under include/kernelsolve/): the umbrella, which includes everything.
set(UNCHECKED_HEADERS kernelsolve.hpp)

# Sources: src/<dir>/... takes the floor of include/kernelsolve/<dir>/... when that directory exists. Files named here
# (paths under src/) take the floor given instead; they are looked at first.
set(SOURCE_FLOORS)  # none: src/ mirrors include/kernelsolve/

# Files that are checked: these endings (*.in: generated/template sources, checked like .cpp).
set(CHECKED_ENDINGS hpp h hh hxx ipp tpp inl cpp cc cxx in)
# ---------------------------------------------------------------------------------------------------------------------

if(NOT DEFINED SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
endif()
get_filename_component(SOURCE_DIR "${SOURCE_DIR}" ABSOLUTE)
set(_ks_include_root "${SOURCE_DIR}/include/kernelsolve")
set(_ks_src_root "${SOURCE_DIR}/src")
if(NOT IS_DIRECTORY "${_ks_include_root}")
  message(FATAL_ERROR "check_floors: ${_ks_include_root} is not a directory (pass -DSOURCE_DIR=<repository root>)")
endif()

# Patterns -> anchored regular expressions.
foreach(floor IN LISTS _ks_floors)
  set(regexes)
  foreach(pattern IN LISTS _ks_floor_${floor}_patterns)
    string(REGEX REPLACE "([][.+?^$(){}|\\])" "\\\\\\1" regex "${pattern}")
    string(REPLACE "**" "@KS_ANY_DEPTH@" regex "${regex}")
    string(REPLACE "*" "[^/]*" regex "${regex}")
    string(REPLACE "@KS_ANY_DEPTH@" ".*" regex "${regex}")
    list(APPEND regexes "^${regex}$")
  endforeach()
  set(_ks_floor_${floor}_regexes "${regexes}")
  set(level "${_ks_floor_${floor}_level}")
  if(NOT level STREQUAL "beside" AND NOT level MATCHES "^[0-9]+$")
    message(FATAL_ERROR "check_floors: floor ${floor} has level '${level}': a number or beside")
  endif()
endforeach()

# The floor of a path under include/kernelsolve/ (empty when no pattern matches).
function(ks_header_floor relative out)
  foreach(floor IN LISTS _ks_floors)
    foreach(regex IN LISTS _ks_floor_${floor}_regexes)
      if(relative MATCHES "${regex}")
        set(${out} ${floor} PARENT_SCOPE)
        return()
      endif()
    endforeach()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

# The floor of a path under src/ (empty when it cannot be placed).
function(ks_source_floor relative out)
  set(pairs ${SOURCE_FLOORS})
  list(LENGTH pairs n)
  set(i 0)
  while(i LESS n)
    math(EXPR j "${i} + 1")
    list(GET pairs ${i} name)
    list(GET pairs ${j} floor)
    if(relative STREQUAL name)
      set(${out} ${floor} PARENT_SCOPE)
      return()
    endif()
    math(EXPR i "${i} + 2")
  endwhile()
  set(floor "")
  if(relative MATCHES "^([^/]+)/")
    if(IS_DIRECTORY "${_ks_include_root}/${CMAKE_MATCH_1}")
      ks_header_floor("${relative}" floor)
    endif()
  endif()
  set(${out} "${floor}" PARENT_SCOPE)
endfunction()

# The floor of any file of the repository (absolute path), with `top` for the umbrella; empty if unplaced.
function(ks_file_floor path out)
  file(RELATIVE_PATH from_include "${_ks_include_root}" "${path}")
  file(RELATIVE_PATH from_src "${_ks_src_root}" "${path}")
  set(floor "")
  if(NOT from_include MATCHES "^\\.\\./")
    if(from_include IN_LIST UNCHECKED_HEADERS)
      set(floor top)
    else()
      ks_header_floor("${from_include}" floor)
    endif()
  elseif(NOT from_src MATCHES "^\\.\\./")
    ks_source_floor("${from_src}" floor)
  endif()
  set(${out} "${floor}" PARENT_SCOPE)
endfunction()

# Whether a file of floor `from` may include a header of floor `to`.
function(ks_may_include from to out)
  set(from_level "${_ks_floor_${from}_level}")
  set(to_level "${_ks_floor_${to}_level}")
  set(ok FALSE)
  if(from STREQUAL to)
    set(ok TRUE)
  elseif(to_level STREQUAL "beside")
    set(ok FALSE)
  elseif(from_level STREQUAL "beside")
    if(NOT to_level GREATER BESIDE_MAY_INCLUDE_UP_TO)
      set(ok TRUE)
    endif()
  elseif(NOT to_level GREATER from_level)
    set(ok TRUE)
  endif()
  set(${out} ${ok} PARENT_SCOPE)
endfunction()

set(globs)
foreach(ending IN LISTS CHECKED_ENDINGS)
  list(APPEND globs "${_ks_include_root}/*.${ending}" "${_ks_src_root}/*.${ending}")
endforeach()
file(GLOB_RECURSE files LIST_DIRECTORIES false ${globs})
list(REMOVE_DUPLICATES files)
list(SORT files)

set(unplaced)
set(violations)
set(checked_files 0)
set(include_count 0)
foreach(file IN LISTS files)
  file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
  ks_file_floor("${file}" floor)
  if(floor STREQUAL "top")
    continue()
  endif()
  if(floor STREQUAL "")
    list(APPEND unplaced "${shown}: on no floor (add it to the floor table of tests/structure/check_floors.cmake)")
    continue()
  endif()
  math(EXPR checked_files "${checked_files} + 1")
  file(RELATIVE_PATH from_src "${_ks_src_root}" "${file}")
  set(in_src FALSE)
  if(NOT from_src MATCHES "^\\.\\./")
    set(in_src TRUE)
  endif()
  get_filename_component(directory "${file}" DIRECTORY)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    set(header "")
    set(header_floor "")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<(kernelsolve/[^>]+)>")
      set(header "${CMAKE_MATCH_1}")
      string(REGEX REPLACE "^kernelsolve/" "" relative "${header}")
      if(relative IN_LIST UNCHECKED_HEADERS)
        set(header_floor top)
      else()
        ks_header_floor("${relative}" header_floor)
      endif()
    elseif(in_src AND line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
      get_filename_component(target "${directory}/${CMAKE_MATCH_1}" ABSOLUTE)
      if(NOT EXISTS "${target}" OR IS_DIRECTORY "${target}")
        continue()  # not next to it: some other include path's, not ours to check
      endif()
      file(RELATIVE_PATH header "${SOURCE_DIR}" "${target}")
      if(header MATCHES "^\\.\\./")
        continue()  # outside the repository
      endif()
      file(RELATIVE_PATH from_include "${_ks_include_root}" "${target}")
      file(RELATIVE_PATH target_from_src "${_ks_src_root}" "${target}")
      if(from_include MATCHES "^\\.\\./" AND target_from_src MATCHES "^\\.\\./")
        continue()  # neither a library header nor a source: not ours to check
      endif()
      ks_file_floor("${target}" header_floor)
    else()
      continue()
    endif()
    math(EXPR include_count "${include_count} + 1")
    if(header_floor STREQUAL "")
      list(APPEND unplaced "${shown} includes ${header}: on no floor (add it to the floor table of tests/structure/check_floors.cmake)")
      continue()
    endif()
    if(header_floor STREQUAL "top")
      set(ok FALSE)  # the umbrella is above every floor
    else()
      ks_may_include(${floor} ${header_floor} ok)
    endif()
    if(NOT ok)
      list(APPEND violations
           "${shown} (floor ${floor}) includes ${header} (floor ${header_floor}): a floor above its own")
    endif()
  endforeach()
endforeach()

if(unplaced OR violations)
  set(text "")
  foreach(entry IN LISTS violations unplaced)
    string(APPEND text "\n  ${entry}")
  endforeach()
  list(LENGTH violations n_violations)
  list(LENGTH unplaced n_unplaced)
  set(table "")
  foreach(floor IN LISTS _ks_floors)
    string(APPEND table " ${floor}=${_ks_floor_${floor}_level}")
  endforeach()
  message(FATAL_ERROR "check_floors: ${n_violations} includes of a floor above their own, ${n_unplaced} paths on no "
                      "floor (floors:${table}; beside floors on levels up to ${BESIDE_MAY_INCLUDE_UP_TO}):${text}")
endif()

message(STATUS "check_floors: ${checked_files} files, ${include_count} kernelsolve includes, every one to its own "
               "floor or below")
