# cmake -DDIR=dir -DFILES="c.npy;y.npy" -P same_files.cmake
# The files written on 1, 2 and 3 ranks are byte for byte the same.
foreach(name IN LISTS FILES)
  foreach(ranks 2 3)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/np1/${name} ${DIR}/np${ranks}/${name}
                    RESULT_VARIABLE different)
    if(different)
      message(FATAL_ERROR "${name} differs between 1 and ${ranks} ranks")
    endif()
  endforeach()
endforeach()
message(STATUS "identical on 1, 2 and 3 ranks: ${FILES}")
