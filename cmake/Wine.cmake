# Windows-tree tests run under Wine: one persistent wineserver for the whole CTest run
# (started and stopped by a fixture), a private prefix inside the build tree, no debug noise.
set(IPCSHIM_WINEPREFIX ${CMAKE_BINARY_DIR}/wineprefix)
set(IPCSHIM_WINE_ENV
  WINEPREFIX=${IPCSHIM_WINEPREFIX}
  WINEDEBUG=-all
  WINEARCH=win64
  # No Mono/Gecko install prompts when the prefix is created.
  "WINEDLLOVERRIDES=mscoree=;mshtml=")

add_test(NAME wine.server.start
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/wine-server.sh start ${IPCSHIM_WINEPREFIX})
add_test(NAME wine.server.stop
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/wine-server.sh stop ${IPCSHIM_WINEPREFIX})
set_tests_properties(wine.server.start PROPERTIES FIXTURES_SETUP wine LABELS wine
  ENVIRONMENT "${IPCSHIM_WINE_ENV}")
set_tests_properties(wine.server.stop PROPERTIES FIXTURES_CLEANUP wine LABELS wine
  ENVIRONMENT "${IPCSHIM_WINE_ENV}")

# Marks tests that run Windows binaries: they need the wineserver fixture and its environment.
function(ipcshim_wine_test)
  foreach(t IN LISTS ARGN)
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED wine)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT "${IPCSHIM_WINE_ENV}")
  endforeach()
endfunction()
