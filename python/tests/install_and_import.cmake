# Installs the build into a fresh prefix and imports the installed package there, away from the build tree:
# cmake -DBUILD_DIR= -DWORK_DIR= -DPYTHON= -DPACKAGE_DIR= -P install_and_import.cmake
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                OUTPUT_QUIET RESULT_VARIABLE installed)
if(NOT installed EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${installed})")
endif()
set(script "import sys, numpy as np, kernelsolve as ks
assert ks.__file__.startswith(sys.argv[1]), ks.__file__
s = ks.KernelSolver(np.random.default_rng(0).random((300, 2)), sigma=0.1)
c, r = s.solve(np.ones(300))
assert r.converged, r
print('installed kernelsolve', ks.__version__, 'from', ks.__file__)")
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONPATH PYTHONNOUSERSITE=1
                        PYTHONPATH=${WORK_DIR}/prefix/${PACKAGE_DIR}
                        ${PYTHON} -c "${script}" ${WORK_DIR}/prefix/${PACKAGE_DIR}
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE imported OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT imported EQUAL 0)
  message(FATAL_ERROR "importing the installed package failed (${imported})")
endif()
