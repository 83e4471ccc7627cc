// Call tracing (POW_TRACE): the wrappers are generated (tools/trace/gen_trace.py); the layer
// uses this header only to explain a deliberately unsupported feature, once, in the trace.
#pragma once

#include "trace_line.hpp"

// Call where an unsupported feature is refused or ignored: one trace line per call site and
// process when POW_TRACE is set (whatever the filter), nothing otherwise.
#define POW_TRACE_UNSUPPORTED(api, why)                                                    \
  do {                                                                                     \
    static std::atomic<bool> pow_trace_once_{false};                                       \
    ::ipcshim::trace::unsupported(pow_trace_once_, api, why);                              \
  } while (0)
