# GoogleTest (unit tests) and CMocka (conformance corpus) as targets GTest::gtest_main and
# ipcshim::cmocka in both trees: system packages natively, built from source for mingw.
if(IPCSHIM_TREE STREQUAL "linux")
  find_package(GTest REQUIRED)
  find_package(cmocka REQUIRED CONFIG)
  add_library(ipcshim_cmocka INTERFACE)
  if(TARGET cmocka::cmocka)
    target_link_libraries(ipcshim_cmocka INTERFACE cmocka::cmocka)
  else()
    target_include_directories(ipcshim_cmocka INTERFACE ${CMOCKA_INCLUDE_DIR})
    target_link_libraries(ipcshim_cmocka INTERFACE ${CMOCKA_LIBRARIES})
  endif()
else()
  # GoogleTest from Debian's source package (googletest), cross-compiled.
  set(IPCSHIM_GOOGLETEST_SOURCE_DIR /usr/src/googletest CACHE PATH "GoogleTest source")
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory(${IPCSHIM_GOOGLETEST_SOURCE_DIR} ${CMAKE_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
  if(NOT TARGET GTest::gtest_main) # GoogleTest 1.12 defines these aliases itself
    add_library(GTest::gtest_main ALIAS gtest_main)
    add_library(GTest::gtest ALIAS gtest)
  endif()

  # CMocka from Debian's source package (scripts/fetch-cmocka-source.sh): its single cmocka.c.
  set(IPCSHIM_CMOCKA_SOURCE_DIR ${CMAKE_SOURCE_DIR}/build/_deps/cmocka-src CACHE PATH "CMocka source")
  if(NOT EXISTS ${IPCSHIM_CMOCKA_SOURCE_DIR}/src/cmocka.c)
    execute_process(COMMAND ${CMAKE_SOURCE_DIR}/scripts/fetch-cmocka-source.sh
                            ${CMAKE_SOURCE_DIR}/build/_deps
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "CMocka source not found; run scripts/bootstrap.sh")
    endif()
  endif()
  set(_cfg ${CMAKE_BINARY_DIR}/_deps/cmocka-config)
  file(WRITE ${_cfg}/config.h.in [=[
/* CMocka configuration for mingw-w64 (written by cmake/TestFrameworks.cmake). */
#define HAVE_ASSERT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_IO_H 1
#define HAVE_MALLOC_H 1
#define HAVE_MEMORY_H 1
#define HAVE_SETJMP_H 1
#define HAVE_SIGNAL_H 1
#define HAVE_STDARG_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_TIME_H 1
#define HAVE_UNISTD_H 1
#define HAVE_STRUCT_TIMESPEC 1
#define HAVE_CALLOC 1
#define HAVE_EXIT 1
#define HAVE_FPRINTF 1
#define HAVE_SNPRINTF 1
#define HAVE_VSNPRINTF 1
#define HAVE_FREE 1
#define HAVE_LONGJMP 1
#define HAVE_MALLOC 1
#define HAVE_MEMCPY 1
#define HAVE_MEMSET 1
#define HAVE_PRINTF 1
#define HAVE_SETJMP 1
#define HAVE_SIGNAL 1
#define HAVE_STRCMP 1
#define HAVE_STRCPY 1
#define HAVE_GCC_THREAD_LOCAL_STORAGE 1
#define WORDS_SIZEOF_VOID_P 8
]=])
  configure_file(${_cfg}/config.h.in ${_cfg}/config.h COPYONLY)
  add_library(ipcshim_cmocka STATIC ${IPCSHIM_CMOCKA_SOURCE_DIR}/src/cmocka.c)
  target_include_directories(ipcshim_cmocka SYSTEM PUBLIC ${IPCSHIM_CMOCKA_SOURCE_DIR}/include)
  target_include_directories(ipcshim_cmocka PRIVATE ${_cfg})
  target_compile_definitions(ipcshim_cmocka PRIVATE HAVE_CONFIG_H=1)
endif()
