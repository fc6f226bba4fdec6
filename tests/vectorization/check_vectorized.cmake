# Compile-only check that the host hot loops vectorize at the full SIMD width of an ISA (ctest runs it with -P).
# Compiles hot_loops.cpp to assembly with COMPILER and FLAGS, then, for each ks_probe_* function, counts the packed
# floating-point multiplies, FMAs and divides at the ISA's full register width. A loop the vectorizer left scalar has
# none of them (the final sums across lanes are additions only), a vectorized one has dozens (the exp and sqrt
# polynomials), so fewer than MIN_PACKED in any function fails the test. A call to exp or sqrt fails it too.
#   -DCOMPILER=... -DFLAGS=<;-list> -DINCLUDES=<;-list> -DSOURCE=hot_loops.cpp -DOUTPUT=<file.s>
#   -DISA=sse|avx2|avx512|neon|sve -DMIN_PACKED=12 -DFAMILIES=<the families' enum names, comma-separated>
foreach(variable COMPILER ISA SOURCE OUTPUT MIN_PACKED FAMILIES)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "check_vectorized.cmake: -D${variable}=... is required")
  endif()
endforeach()

string(REPLACE "," ";" FAMILIES "${FAMILIES}")
set(include_flags)
foreach(directory IN LISTS INCLUDES)
  if(directory)
    list(APPEND include_flags "-I${directory}")
  endif()
endforeach()
set(compile ${COMPILER} ${FLAGS} ${include_flags} -S ${SOURCE} -o ${OUTPUT})
execute_process(COMMAND ${compile} RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  string(REPLACE ";" " " shown "${compile}")
  message(FATAL_ERROR "compiling the probe failed (${status}):\n  ${shown}\n${errors}")
endif()

# Full-width packed multiply / FMA / divide, in the assembler syntax GCC and Clang write for the ISA.
set(tab "\t")
if(ISA STREQUAL "sse")
  set(packed "${tab}(mul|div)p[sd]${tab}")
elseif(ISA STREQUAL "avx2")
  set(packed "${tab}v(fn?m(add|sub)[0-9]+|mul|div)p[sd]${tab}[^\n]*%ymm")
elseif(ISA STREQUAL "avx512")
  set(packed "${tab}v(fn?m(add|sub)[0-9]+|mul|div)p[sd]${tab}[^\n]*%zmm")
elseif(ISA STREQUAL "neon")
  set(packed "${tab}f(mul|div|mla|mls)${tab}v[0-9]+\\.(4s|2d)")
elseif(ISA STREQUAL "sve")
  set(packed "${tab}f(mul|div|mla|mls|mad|msb)[a-z]*${tab}z[0-9]+\\.[sd]")
else()
  message(FATAL_ERROR "check_vectorized.cmake: unknown ISA '${ISA}'")
endif()

file(READ ${OUTPUT} assembly)
set(failures)
set(summary)
set(probes 0)
foreach(loop product tiled phased gradient)
  foreach(family IN LISTS FAMILIES)
    foreach(scalar float double)
      set(name ks_probe_${loop}_${family}_${scalar})
      string(FIND "${assembly}" "\n${name}:" begin)
      string(FIND "${assembly}" ".size${tab}${name}," end)
      if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
        list(APPEND failures "${name}: not found in ${OUTPUT}")
        continue()
      endif()
      math(EXPR length "${end} - ${begin}")
      string(SUBSTRING "${assembly}" ${begin} ${length} body)
      string(REGEX MATCHALL "${packed}" packed_instructions "${body}")
      list(LENGTH packed_instructions count)
      string(REGEX MATCHALL "${tab}(call|bl|b)${tab}[^\n]*(exp|sqrt)[^\n]*" calls "${body}")
      math(EXPR probes "${probes} + 1")
      string(APPEND summary " ${loop}_${family}_${scalar}=${count}")
      if(count LESS MIN_PACKED)
        list(APPEND failures "${name}: ${count} full-width packed mul/fma/div instructions (at least ${MIN_PACKED} expected): the loop is not vectorized at the ${ISA} width")
      endif()
      if(calls)
        list(APPEND failures "${name}: calls ${calls} (a libm call in the loop keeps it scalar)")
      endif()
    endforeach()
  endforeach()
endforeach()

string(REPLACE ";" " " flags_shown "${FLAGS}")
if(failures)
  string(REPLACE ";" "\n  " failures_shown "${failures}")
  message(FATAL_ERROR
    "hot loops not vectorized for ${ISA} (${COMPILER} ${flags_shown}):\n  ${failures_shown}\n"
    "How to read this: see tests/vectorization/README.md. The assembly is in ${OUTPUT}; the compiler's reasons come "
    "from the same command with -fopt-info-vec-missed (GCC) or -Rpass-missed=loop-vectorize -Rpass-missed=slp-vectorizer "
    "(Clang); look for lines pointing into include/kernelsolve/.")
endif()
message(STATUS "${probes} hot loops vectorized for ${ISA} (${flags_shown}); full-width packed mul/fma/div:${summary}")
