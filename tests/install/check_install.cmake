# Builds and runs the consumer project (consumer/) against weir in each way a project uses it.
#   MODE=installed: installs the built tree into a scratch prefix, then
#     - find_package(weir): everything (weir::weir);
#     - find_package(weir COMPONENTS kafka): the core and weir::kafka;
#     - find_package(weir) where pkg-config finds no librdkafka: the core, and no weir::kafka;
#       asking for the kafka component there fails, saying what is missing;
#     - the same program as the first from `pkg-config --cflags --libs weir`.
#   MODE=subdirectory: add_subdirectory(weir's source) with WEIR_KAFKA=OFF: the core.
# Each program prints "sum=30".

# expect_sum(NAME EXE): runs EXE, which must print "sum=30" and exit 0.
function(expect_sum name exe)
  execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(rc OR NOT out STREQUAL "sum=30\n")
    message(FATAL_ERROR "the consumer (${name}) printed '${out}' and exited with ${rc}")
  endif()
  message(STATUS "consumer (${name}): sum=30")
endfunction()

# consumer(NAME [ARGS...]): configures, builds and runs the consumer with cmake ARGS.
function(consumer name)
  set(dir ${WORK_DIR}/${name})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${dir} -G ${GENERATOR}
                          "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
                          "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" ${ARGN}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring the consumer (${name}) failed: ${rc}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${dir} --target consumer RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building the consumer (${name}) failed: ${rc}")
  endif()
  expect_sum(${name} ${dir}/consumer)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
if(MODE STREQUAL "subdirectory")
  consumer(subdirectory -DWEIR_CONSUMER_MODE=subdirectory -DWEIR_SOURCE_DIR=${SOURCE_DIR})
  return()
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
set(found -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
consumer(all ${found} -DWEIR_CONSUMER_MODE=all)
consumer(kafka ${found} -DWEIR_CONSUMER_MODE=kafka)

# a machine without librdkafka, as pkg-config sees it
file(MAKE_DIRECTORY ${WORK_DIR}/no-pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${WORK_DIR}/no-pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
consumer(core ${found} -DWEIR_CONSUMER_MODE=core)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/missing -G ${GENERATOR}
                        ${found} -DWEIR_CONSUMER_MODE=kafka
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[ \n]+" " " said "${out} ${err}")
if(NOT rc OR NOT said MATCHES "weir::kafka needs librdkafka 2.0 or later, found by pkg-config")
  message(FATAL_ERROR "COMPONENTS kafka without librdkafka: exit ${rc}, said: ${said}")
endif()
unset(ENV{PKG_CONFIG_LIBDIR})

# the first program built by hand from pkg-config's flags
set(ENV{PKG_CONFIG_PATH} ${WORK_DIR}/prefix/${LIBDIR}/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs weir
                RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_VARIABLE pc_error)
if(rc)
  message(FATAL_ERROR "pkg-config weir failed: ${pc_error}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS} ${LINKER_FLAGS}")
execute_process(COMMAND ${CXX} -DWEIR_CONSUMER_ALL ${CONSUMER_DIR}/main.cpp
                        -o ${WORK_DIR}/consumer_pc ${cxx_flags} ${pc_flags}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer with pkg-config's flags failed: ${rc}")
endif()
expect_sum(pkg-config ${WORK_DIR}/consumer_pc)
