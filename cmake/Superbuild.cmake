# The "all" tree: configures and builds the linux and windows trees (one after the other,
# the machine has two cores) and runs both trees' tests under a single CTest run, ending
# with the conformance matrix, which needs the results of both.
include(ExternalProject)

set(IPCSHIM_LINUX_BINARY_DIR "${CMAKE_SOURCE_DIR}/build/linux" CACHE PATH "linux tree")
set(IPCSHIM_WINDOWS_BINARY_DIR "${CMAKE_SOURCE_DIR}/build/windows" CACHE PATH "windows tree")
set(_common_args -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE})

ExternalProject_Add(tree-linux
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${IPCSHIM_LINUX_BINARY_DIR}
  CMAKE_GENERATOR ${CMAKE_GENERATOR}
  CMAKE_ARGS -DIPCSHIM_TREE=linux ${_common_args}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  USES_TERMINAL_CONFIGURE ON USES_TERMINAL_BUILD ON)

ExternalProject_Add(tree-windows
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${IPCSHIM_WINDOWS_BINARY_DIR}
  CMAKE_GENERATOR ${CMAKE_GENERATOR}
  CMAKE_ARGS -DIPCSHIM_TREE=windows ${_common_args}
             -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/mingw-w64-x86_64.cmake
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  DEPENDS tree-linux
  USES_TERMINAL_CONFIGURE ON USES_TERMINAL_BUILD ON)

# Both trees' tests become part of this tree's CTest run.
file(WRITE ${CMAKE_BINARY_DIR}/subtrees.cmake
  "subdirs(\"${IPCSHIM_LINUX_BINARY_DIR}\" \"${IPCSHIM_WINDOWS_BINARY_DIR}\")\n")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_BINARY_DIR}/subtrees.cmake)

include(ConformanceCells)
ipcshim_conformance_cell_names(_cells)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME conformance.matrix
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/conformance/matrix.py
          --source-dir ${CMAKE_SOURCE_DIR}
          --results ${IPCSHIM_LINUX_BINARY_DIR}/conformance-results
          --results ${IPCSHIM_WINDOWS_BINARY_DIR}/conformance-results
          --out ${CMAKE_BINARY_DIR}/matrix)
set_tests_properties(conformance.matrix PROPERTIES DEPENDS "${_cells}" LABELS conformance)
# The compatibility matrix page must say what the run's JSON says.
add_test(NAME conformance.matrix.html
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/conformance/check_matrix_html.py
          --json ${CMAKE_BINARY_DIR}/matrix/matrix.json --html ${CMAKE_BINARY_DIR}/matrix/matrix.html)
set_tests_properties(conformance.matrix.html PROPERTIES DEPENDS conformance.matrix LABELS conformance)
