# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DMPIEXEC="mpiexec;-n;2;..." -P install_and_embed.cmake
# Installs kernelsolve into a scratch prefix, builds apps/examples/embed against it with find_package(kernelsolve),
# and runs it on 2 ranks: the path of a user who embeds the library in a Kokkos application, and of one who uses the
# installed run-time facade (kernelsolve::runtime) with array files (kernelsolve::io).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "failed (${code}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/apps/examples/embed -B ${WORK_DIR}/build -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${MPIEXEC} ${WORK_DIR}/build/embed_example)
run(${MPIEXEC} ${WORK_DIR}/build/custom_kernel_example)
run(${MPIEXEC} ${WORK_DIR}/build/facade_and_files_example)
