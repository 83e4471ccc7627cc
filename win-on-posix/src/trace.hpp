// Call tracing (WOP_TRACE): the wrappers are generated (tools/trace/gen_trace.py); the layer
// uses this header only to explain a deliberately unsupported feature, once, in the trace.
#pragma once

#include "trace_line.hpp"

// Call where a documented "not supported" error is returned: one trace line per call site
// and process when WOP_TRACE is set (whatever the filter), nothing otherwise.
#define WOP_TRACE_UNSUPPORTED(api, why)                                                    \
  do {                                                                                     \
    static std::atomic<bool> wop_trace_once_{false};                                       \
    ::ipcshim::trace::unsupported(wop_trace_once_, api, why);                              \
  } while (0)
