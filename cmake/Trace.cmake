# Call tracing for a layer (tools/trace/gen_trace.py; docs/architecture.md "Call tracing").
#
# ipcshim_trace_layer(<layer> <tag> SOURCES <src>... HEADERS_GLOB <glob>)
#   <layer>-impl: an OBJECT library of the layer's sources, every one compiled with the
#     generated rename header force-included (so the API is defined under <tag>_impl_ names);
#   <TAG>_TRACE_WRAPPERS (set in the caller's scope): the generated wrapper source, defining
#     the public names, for the caller to compile into its static and shared libraries. It is
#     generated after the objects exist: only functions whose impl symbol nm finds get a
#     wrapper (a declared but unimplemented function is reported at build time).
find_package(Python3 REQUIRED COMPONENTS Interpreter)

function(ipcshim_trace_layer layer tag)
  cmake_parse_arguments(A "" "HEADERS_GLOB" "SOURCES" ${ARGN})
  file(GLOB headers CONFIGURE_DEPENDS ${A_HEADERS_GLOB})
  list(SORT headers)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/trace)
  set(script ${PROJECT_SOURCE_DIR}/tools/trace/gen_trace.py)
  set(rename ${gen}/${tag}_trace_rename.h)
  set(wrappers ${gen}/${tag}_trace_wrappers.cpp)
  file(MAKE_DIRECTORY ${gen})
  add_custom_command(OUTPUT ${rename}
    COMMAND ${Python3_EXECUTABLE} ${script} rename --layer ${tag} --out ${rename} ${headers}
    DEPENDS ${script} ${headers}
    COMMENT "Generating the ${layer} trace rename header")
  add_library(${layer}-impl OBJECT ${A_SOURCES} ${rename})
  target_compile_options(${layer}-impl PRIVATE -include ${rename})
  target_include_directories(${layer}-impl PUBLIC ${PROJECT_SOURCE_DIR}/include/${layer}
    PRIVATE ${PROJECT_SOURCE_DIR}/tools/trace)
  ipcshim_warnings(${layer}-impl)
  if(NOT CMAKE_NM)
    message(FATAL_ERROR "call tracing needs nm (CMAKE_NM) to list the implemented functions")
  endif()
  add_custom_command(OUTPUT ${wrappers}
    COMMAND ${Python3_EXECUTABLE} ${script} wrappers --layer ${tag} --out ${wrappers}
            --nm ${CMAKE_NM} ${headers} --objects $<TARGET_OBJECTS:${layer}-impl>
    DEPENDS ${script} ${headers} $<TARGET_OBJECTS:${layer}-impl>
    COMMAND_EXPAND_LISTS
    COMMENT "Generating the ${layer} tracing wrappers")
  string(TOUPPER ${tag} TAG)
  set(${TAG}_TRACE_WRAPPERS ${wrappers} PARENT_SCOPE)
endfunction()
