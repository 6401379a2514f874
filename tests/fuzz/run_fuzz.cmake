# Runs one libFuzzer binary for a bounded time over a scratch copy of its corpus, so a run
# never adds files to the source tree; crash reproducers land in WORK/artifacts. Used by the
# CTest tests fuzz.<name>:
#   cmake -DFUZZER=<bin> -DCORPUS=<dir> -DWORK=<scratch dir> -DSECONDS=<n> [-DDICT=<file>]
#         -P run_fuzz.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
if(IS_DIRECTORY ${CORPUS})
  file(GLOB seeds ${CORPUS}/*)
  if(seeds)
    file(COPY ${seeds} DESTINATION ${WORK}/corpus)
  endif()
endif()
set(args -max_total_time=${SECONDS} -rss_limit_mb=512 -timeout=2
    -artifact_prefix=${WORK}/artifacts/)
if(DICT AND EXISTS ${DICT})
  list(APPEND args -dict=${DICT})
endif()
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} failed (${rc}). Reproducers: ${found}\n"
                      "Replay one with: ${FUZZER} <file>")
endif()
