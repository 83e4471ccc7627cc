# `cmake --install`: headers, static and shared libraries, tools, a CMake package
# (find_package(ipcshim) -> ipcshim::win-on-posix[-shared] or ipcshim::posix-on-win[-shared])
# and pkg-config files (win-on-posix.pc / posix-on-win.pc). Each tree installs its own layer.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# ipcshim_install_layer(<layer> [DEPENDENCY <find_dependency line>] [PC_LINK <how to link
#                       the layer>] [PC_LIBS <its own dependencies>])
function(ipcshim_install_layer layer)
  cmake_parse_arguments(A "" "DEPENDENCY;PC_LINK;PC_LIBS" "" ${ARGN})
  foreach(kind static shared)
    target_include_directories(${layer}-${kind} PUBLIC
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/${layer}>)
  endforeach()
  # The static library is C++ inside: a C program linking it needs the C++ runtime (the
  # shared library carries its own dependency).
  target_link_libraries(${layer}-static INTERFACE $<INSTALL_INTERFACE:stdc++>)
  if(WIN32)
    target_link_libraries(${layer}-static INTERFACE $<INSTALL_INTERFACE:pthread>)
  endif()
  # The static library is the package's plain name, as in the build tree's alias.
  set_target_properties(${layer}-static PROPERTIES EXPORT_NAME ${layer})
  set_target_properties(${layer}-shared PROPERTIES EXPORT_NAME ${layer}-shared)
  install(TARGETS ${layer}-static ${layer}-shared EXPORT ipcshim-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/${layer}/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${layer} FILES_MATCHING PATTERN "*.h")
  install(EXPORT ipcshim-targets NAMESPACE ipcshim::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ipcshim)
  set(IPCSHIM_DEPENDENCY "${A_DEPENDENCY}")
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/install/ipcshimConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/ipcshimConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ipcshim)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ipcshimConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ipcshimConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/ipcshimConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ipcshim)
  set(IPCSHIM_PC_NAME ${layer})
  set(IPCSHIM_PC_LIBS "${A_PC_LIBS}")
  set(IPCSHIM_PC_LINK "${A_PC_LINK}")
  if(NOT IPCSHIM_PC_LINK)
    set(IPCSHIM_PC_LINK "-l${layer}")
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/install/layer.pc.in
    ${CMAKE_CURRENT_BINARY_DIR}/${layer}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${layer}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
