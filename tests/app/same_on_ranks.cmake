# cmake -DMPIEXEC="mpiexec;-n" -DPREFLAGS="..." -DAPP=path -DARGS="..." -P same_on_ranks.cmake
# Runs the app on 1 and on 2 ranks: the iteration, residual and error lines must be identical.
foreach(ranks 1 2)
  execute_process(COMMAND ${MPIEXEC} ${ranks} ${PREFLAGS} ${APP} ${ARGS} RESULT_VARIABLE exit_code
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT exit_code EQUAL 0)
    message(FATAL_ERROR "${ranks} ranks: exit code ${exit_code}\n${out}\n${err}")
  endif()
  string(REGEX MATCHALL "(column [^\n]*|Relative error[^\n]*|Gradient dL/dx[^\n]*|dL/dalpha[^\n]*|adjoint [0-9]+ iterations)"
         lines_${ranks} "${out}")
endforeach()
if(NOT lines_1 STREQUAL lines_2 OR lines_1 STREQUAL "")
  message(FATAL_ERROR "1 rank:\n${lines_1}\n2 ranks:\n${lines_2}")
endif()
message(STATUS "same on 1 and 2 ranks: ${lines_1}")
