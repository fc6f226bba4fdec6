# cmake -DDIR=dir -DFILES="c.npy;y.npy" [-DFIXTURE=app_fixture -DARRAYS="c.h5:/solution/c"] -P same_files.cmake
# The files written on 1, 2 and 3 ranks are byte for byte the same; ARRAYS (HDF5 files hold creation times) have
# the same shape and values.
foreach(name IN LISTS FILES)
  foreach(ranks 2 3)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/np1/${name} ${DIR}/np${ranks}/${name}
                    RESULT_VARIABLE different)
    if(different)
      message(FATAL_ERROR "${name} differs between 1 and ${ranks} ranks")
    endif()
  endforeach()
endforeach()
foreach(name IN LISTS ARRAYS)
  foreach(ranks 2 3)
    execute_process(COMMAND ${FIXTURE} compare ${DIR}/np1/${name} ${DIR}/np${ranks}/${name} RESULT_VARIABLE different)
    if(different)
      message(FATAL_ERROR "${name} differs between 1 and ${ranks} ranks")
    endif()
  endforeach()
endforeach()
message(STATUS "identical on 1, 2 and 3 ranks: ${FILES} ${ARRAYS}")
