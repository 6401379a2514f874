# ns_add_test(NAME <bin> SOURCES <files> [LIBS <libs>] LABELS <labels> [TIMEOUT <s>])
# Builds one test binary and registers each TEST(x) found in its sources as the CTest
# test "<bin>.<x>", run as "<bin> x". Every test sees NS_BUILT_SERVER_BIN (our binary; a
# NATS_SERVER_BIN in the caller's environment wins: that is how a suite runs against the reference),
# NATS_REF_BIN (Debian's nats-server, for differential tests) and NS_SOURCE_DIR.
function(ns_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_executable(${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/harness/test.c
    ${PROJECT_SOURCE_DIR}/tests/harness/proc.c ${PROJECT_SOURCE_DIR}/tests/harness/wire.c
    ${PROJECT_SOURCE_DIR}/tests/harness/certs.c)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/harness
                             ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Threads::Threads)
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  foreach(src ${T_SOURCES})
    file(STRINGS ${src} lines REGEX "^TEST\\(([A-Za-z0-9_]+)\\)")
    foreach(line ${lines})
      string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" tname "${line}")
      add_test(NAME ${T_NAME}.${tname} COMMAND ${T_NAME} ${tname})
      set_tests_properties(${T_NAME}.${tname} PROPERTIES LABELS "${T_LABELS}"
        TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
        ENVIRONMENT "NS_BUILT_SERVER_BIN=$<TARGET_FILE:nats-server>;NATS_REF_BIN=${NS_REF_BIN};NS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    endforeach()
  endforeach()
endfunction()
