# cmake -P: installs a build tree into a fresh prefix, then builds and runs the consumer
# project against it twice: with find_package(ipcshim), and with pkg-config flags only.
# -D TREE=<build tree> LAYER=<win-on-posix|posix-on-win> SOURCE=<consumer dir> WORK=<dir>
#    [TOOLCHAIN=<file>] [CC=<compiler for the pkg-config build>] [EMULATOR=<wine>]
foreach(v TREE LAYER SOURCE WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "consumer_test: ${v} not set")
  endif()
endforeach()
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
endfunction()
file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${TREE} --prefix ${prefix})
if(NOT EXISTS ${prefix}/lib/cmake/ipcshim/ipcshimConfig.cmake OR
   NOT EXISTS ${prefix}/lib/pkgconfig/${LAYER}.pc)
  message(FATAL_ERROR "the install lacks the CMake package or ${LAYER}.pc")
endif()

# 1. find_package
set(args -S ${SOURCE} -B ${WORK}/cmake-build -G Ninja -DCMAKE_PREFIX_PATH=${prefix})
if(TOOLCHAIN)
  # A cross toolchain confines package searches to its root path: name the package's
  # directory itself, as a cross-compiling user does.
  list(APPEND args -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN} -Dipcshim_DIR=${prefix}/lib/cmake/ipcshim)
endif()
run(${CMAKE_COMMAND} ${args})
run(${CMAKE_COMMAND} --build ${WORK}/cmake-build)
set(exe ${WORK}/cmake-build/consumer)
if(TOOLCHAIN)
  set(exe ${exe}.exe)
endif()
run(${EMULATOR} ${exe})

# 2. pkg-config only, as a Makefile project would use it
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${prefix}/lib/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs ${LAYER} RESULT_VARIABLE rc
  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs ${LAYER} failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
if(LAYER STREQUAL "posix-on-win")
  set(main ${SOURCE}/posix_main.c)
  set(out ${WORK}/pc-consumer.exe)
  set(extra -static)
else()
  set(main ${SOURCE}/win32_main.c)
  set(out ${WORK}/pc-consumer)
  set(extra -Wl,-rpath,${prefix}/lib)
endif()
run(${CC} ${main} ${flags} ${extra} -o ${out})
run(${EMULATOR} ${out})
message(STATUS "consumer built and ran with find_package and with pkg-config")
