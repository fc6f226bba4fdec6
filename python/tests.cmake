# The Python package's tests (label `python`): one ctest entry per pytest file, run from the build tree
# (PYTHONPATH=<build>/python, working directory outside the source package so that it cannot shadow the build), the
# MPI tests under mpiexec -n 2 and 3, and an install test.
include(kernelsolve_add_tests)  # KERNELSOLVE_TEST_ENVIRONMENT, KERNELSOLVE_MPIEXEC_PREFLAGS
set(python_test_environment ${KERNELSOLVE_TEST_ENVIRONMENT} MPLBACKEND=Agg
    "PYTHONPATH=${PROJECT_BINARY_DIR}/python:${CMAKE_CURRENT_SOURCE_DIR}/tests" PYTHONDONTWRITEBYTECODE=1)
set(pytest ${Python_EXECUTABLE} -m pytest -q -p no:cacheprovider --timeout=600 --color=no)

file(GLOB python_test_files ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_*.py)
foreach(file IN LISTS python_test_files)
  get_filename_component(name ${file} NAME_WE)
  string(REGEX REPLACE "^test_" "" name ${name})
  add_test(NAME python_${name} COMMAND ${pytest} ${file} WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(python_${name} PROPERTIES LABELS python ENVIRONMENT "${python_test_environment}")
endforeach()
set_tests_properties(python_solver python_keops python_exit PROPERTIES LABELS "python;quick")

foreach(ranks IN ITEMS 2 3)
  add_test(NAME python_mpi_np${ranks}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${KERNELSOLVE_MPIEXEC_PREFLAGS} ${pytest}
                   ${CMAKE_CURRENT_SOURCE_DIR}/tests/mpi
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(python_mpi_np${ranks} PROPERTIES LABELS "python;mpi" PROCESSORS 2
                       ENVIRONMENT "${python_test_environment}")
endforeach()

# Installed where Python looks, importable with no help from the build tree (the RPATH to Kokkos, the layout).
add_test(NAME python_install
         COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DWORK_DIR=${PROJECT_BINARY_DIR}/python-install-test
                 -DPYTHON=${Python_EXECUTABLE} -DPACKAGE_DIR=${KERNELSOLVE_PYTHON_INSTALL_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/install_and_import.cmake)
set_tests_properties(python_install PROPERTIES LABELS "python;install" ENVIRONMENT "${KERNELSOLVE_TEST_ENVIRONMENT}"
                     PASS_REGULAR_EXPRESSION "installed kernelsolve [0-9.]+ from [^\n]*/dist-packages|site-packages")

# The programs the docs quote (tests/docs/check_docs.py: every ```python block is an excerpt of one of them). The
# KeOps seed example is run by test_seed.py, which also checks the errors it prints.
file(GLOB python_examples ${CMAKE_CURRENT_SOURCE_DIR}/examples/*.py)
list(FILTER python_examples EXCLUDE REGEX "seed_keops_kernelsolve.py$")
foreach(file IN LISTS python_examples)
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME python_example_${name} COMMAND ${Python_EXECUTABLE} ${file} WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(python_example_${name} PROPERTIES LABELS "python;examples"
                       ENVIRONMENT "${python_test_environment}")
endforeach()

# The Python benchmark (perf/python_layer.py) once at a tiny size: it runs and prints its tables; no speed asserted.
if(TARGET kernelsolve_app)
  add_test(NAME python_layer_benchmark_smoke
           COMMAND ${Python_EXECUTABLE} ${PROJECT_SOURCE_DIR}/perf/python_layer.py --points 400 --threads 2 --repeat 1
                   --app $<TARGET_FILE:kernelsolve_app>
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(python_layer_benchmark_smoke PROPERTIES LABELS "python;perf-smoke" PROCESSORS 2
                       ENVIRONMENT "${python_test_environment}"
                       PASS_REGULAR_EXPRESSION "same bits as the app: True")
endif()
