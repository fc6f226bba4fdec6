# cmake -DMPIEXEC="mpiexec;-n" -DPREFLAGS="..." -DRANKS=n -DAPP=kernelsolve -DFIXTURE=app_fixture -DDIR=dir
#       [-DFAMILY=matern52] [-DNPY_ONLY=ON] -P workflow.cmake
# The two-command workflow of the README on n ranks: solve from files, then predict at new points, for .npy,
# HDF5 and CSV inputs; each result checked by app_fixture against an independent dense reference, and the report
# checked for its fields.
if(NOT FAMILY)
  set(FAMILY matern52)
endif()
set(out ${DIR}/np${RANKS})
if(NPY_ONLY)
  set(out ${DIR}/${FAMILY}_np${RANKS})
endif()
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})
set(kernel --kernel ${FAMILY} --sigma 0.3 --precision double)
set(solver --alpha 1e-3 --rtol 1e-12)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "failed (${code}): ${ARGN}\n${stdout}\n${stderr}")
  endif()
  message(STATUS "${stdout}")
endfunction()

# .npy: x (N x 2 float64), b (length N) -> c (length N) -> values at xn.
run(${MPIEXEC} ${RANKS} ${PREFLAGS} ${APP} solve -x ${DIR}/x.npy -b ${DIR}/b.npy -o ${out}/c.npy ${kernel}
    ${solver} --report ${out}/solve.json)
run(${FIXTURE} check-solve ${DIR} ${DIR}/b.npy ${out}/c.npy ${FAMILY})
run(${MPIEXEC} ${RANKS} ${PREFLAGS} ${APP} predict -x ${DIR}/x.npy -c ${out}/c.npy --at ${DIR}/xn.npy
    -o ${out}/y.npy ${kernel} --report ${out}/predict.json)
run(${FIXTURE} check-predict ${DIR} ${out}/c.npy ${out}/y.npy ${FAMILY})
if(NPY_ONLY)
  return()
endif()

# HDF5 datasets in and out (parallel HDF5), 2 right-hand sides.
run(${MPIEXEC} ${RANKS} ${PREFLAGS} ${APP} solve -x ${DIR}/x.h5:/data/points -b ${DIR}/b.h5:/rhs
    -o ${out}/c.h5:/solution/c ${kernel} ${solver})
run(${FIXTURE} check-solve ${DIR} ${DIR}/b2.npy ${out}/c.h5:/solution/c)

# CSV in, .npy out.
run(${MPIEXEC} ${RANKS} ${PREFLAGS} ${APP} solve -x ${DIR}/x.csv -b ${DIR}/b.csv -o ${out}/c_from_csv.npy ${kernel} ${solver})
run(${FIXTURE} check-solve ${DIR} ${DIR}/b2.npy ${out}/c_from_csv.npy)

# The report: sizes, kernel, ranks, per-column convergence, time per phase.
file(READ ${out}/solve.json report)
foreach(field "\"N\": 300" "\"D\": 2" "\"ranks\": ${RANKS}" "\"family\": \"matern52\"" "\"reason\": \"converged_rtol\""
              "\"read\":" "\"setup\":" "\"solve\":" "\"write\":" "\"relative_residual\":")
  string(FIND "${report}" "${field}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "solve.json lacks ${field}:\n${report}")
  endif()
endforeach()
# No temporary files left beside the outputs.
file(GLOB leftovers ${out}/*.tmp* ${out}/.*)
if(leftovers)
  message(FATAL_ERROR "temporary files left: ${leftovers}")
endif()
