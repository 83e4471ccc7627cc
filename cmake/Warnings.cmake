# Our own code builds with -Wall -Wextra -Werror in both trees; third-party code does not.
function(ipcshim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
