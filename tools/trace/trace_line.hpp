// Call tracing shared by both layers: the switch the generated wrappers test, and the
// formatting of one trace line. The layer supplies the state and the output (its
// src/trace.cpp); gen_trace.py supplies the wrappers, the family names and error names.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ipcshim::trace {

// Bit n: family n of the generator's table is traced. ~0u until the environment has been
// read (so the first call of each family takes the slow path, which reads it); never ~0u
// afterwards (bit 31 is no family).
extern std::atomic<uint32_t> g_mask;
constexpr uint32_t kAnyFamily = 0x7fffffffu;
// Slow path: reads the environment once; true if `family` is traced.
bool enabled_slow(uint32_t family);

// The whole cost when tracing is off: one load and one predictable branch.
inline bool traced(uint32_t family) {
  return (g_mask.load(std::memory_order_relaxed) & family) != 0 && enabled_slow(family);
}

// From the generated wrapper translation unit.
extern const char *const kFamilyNames[];
extern const int kFamilyCount;
const char *error_name(long code); // nullptr if unknown or 0

// From the layer.
extern const char *const kLayerTag;  // "wop" / "pow"
extern const char *const kErrorLabel; // "err" (GetLastError) / "errno"
struct SavedErrors {
  int err_no;
  unsigned long last_error;
};
SavedErrors save_errors();                // before formatting: what the call left
void restore_errors(const SavedErrors &); // after writing: the caller sees the call's errors
long call_error(const SavedErrors &);     // the error code the line shows
unsigned long process_id();
unsigned long thread_id();
void write_line(const char *s, size_t n); // one write per line

// One line: `tag pid:tid Name(arg=value, ...) = result err=N NAME`. Built after the call,
// so out-parameters show what the call stored. Never calls the layer's API.
class Line {
public:
  explicit Line(const char *fn) : saved_(save_errors()) {
    put(kLayerTag);
    putc(' ');
    num(process_id());
    putc(':');
    num(thread_id());
    putc(' ');
    put(fn);
    putc('(');
  }
  Line(const Line &) = delete;
  Line &operator=(const Line &) = delete;

  template <class T> void arg(const char *name, T v) {
    sep(name);
    value(v);
  }
  void hex(const char *name, unsigned long long v) {
    sep(name);
    hexnum(v);
  }
  // A data buffer: its address and up to kPreview of its first n bytes, quoted.
  void buf(const char *name, const void *p, unsigned long long n) {
    sep(name);
    if (!p) {
      put("NULL");
      return;
    }
    hexnum(reinterpret_cast<uintptr_t>(p));
    if (n) {
      putc(' ');
      quoted(static_cast<const unsigned char *>(p), n < kPreview ? n : kPreview, n > kPreview);
    }
  }
  // A fixed-size array parameter (int fds[2]): its elements after the call.
  template <class T> void arr(const char *name, const T *p, int n) {
    sep(name);
    if (!p) {
      put("NULL");
      return;
    }
    putc('[');
    for (int i = 0; i < n; ++i) {
      if (i)
        put(", ");
      value(p[i]);
    }
    putc(']');
  }
  template <class T> void result(T r) {
    put(") = ");
    value(r);
    finish();
  }
  void result_hex(unsigned long long r) { // an integer handle (SOCKET)
    put(") = ");
    hexnum(r);
    finish();
  }
  void end_void() {
    putc(')');
    finish();
  }
  void noreturn() {
    put(") = <does not return>");
    finish();
  }

private:
  static constexpr unsigned long long kPreview = 40;
  static constexpr size_t kString = 96;

  void finish() {
    long e = call_error(saved_);
    putc(' ');
    put(kErrorLabel);
    putc('=');
    if (e < 0) {
      putc('-');
      num(static_cast<unsigned long long>(-e));
    } else {
      num(static_cast<unsigned long long>(e));
    }
    if (const char *n = error_name(e)) {
      putc(' ');
      put(n);
    }
    if (n_ >= sizeof buf_ - 1) { // truncated: say so, keep the newline
      std::memcpy(buf_ + sizeof buf_ - 5, "...", 3);
      n_ = sizeof buf_ - 2;
    }
    buf_[n_++] = '\n';
    write_line(buf_, n_);
    restore_errors(saved_);
  }
  void putc(char c) {
    if (n_ < sizeof buf_ - 1)
      buf_[n_++] = c;
  }
  void put(const char *s) {
    while (*s)
      putc(*s++);
  }
  void num(unsigned long long v) {
    char t[24];
    int k = 0;
    do
      t[k++] = static_cast<char>('0' + v % 10);
    while (v /= 10);
    while (k)
      putc(t[--k]);
  }
  void snum(long long v) {
    if (v < 0) {
      putc('-');
      num(0ull - static_cast<unsigned long long>(v));
    } else {
      num(static_cast<unsigned long long>(v));
    }
  }
  void hexnum(unsigned long long v) {
    static const char d[] = "0123456789abcdef";
    char t[16];
    int k = 0;
    do
      t[k++] = d[v & 15];
    while (v >>= 4);
    put("0x");
    while (k)
      putc(t[--k]);
  }
  void sep(const char *name) {
    if (args_++)
      put(", ");
    put(name);
    putc('=');
  }
  template <class C> void quoted(const C *s, size_t n, bool more) {
    putc('"');
    for (size_t i = 0; i < n; ++i) {
      unsigned long c = static_cast<unsigned long>(s[i]);
      if (sizeof(C) == 1)
        c &= 0xff;
      if (c == '"' || c == '\\') {
        putc('\\');
        putc(static_cast<char>(c));
      } else if (c == '\n') {
        put("\\n");
      } else if (c == '\r') {
        put("\\r");
      } else if (c == '\t') {
        put("\\t");
      } else if (c >= 0x20 && c < 0x7f) {
        putc(static_cast<char>(c));
      } else {
        static const char d[] = "0123456789abcdef";
        putc('\\');
        if (c > 0xff) {
          putc('u');
          for (int sh = 12; sh >= 0; sh -= 4)
            putc(d[(c >> sh) & 15]);
        } else {
          putc('x');
          putc(d[c >> 4]);
          putc(d[c & 15]);
        }
      }
    }
    putc('"');
    if (more)
      put("...");
  }
  template <class C> void cstring(const C *s) {
    size_t n = 0;
    while (n <= kString && s[n])
      ++n;
    bool more = n > kString;
    if (sizeof(C) > 1)
      putc('L');
    quoted(s, more ? kString : n, more);
  }

  template <class T> void value(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      num(v ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>)
        snum(static_cast<long long>(v));
      else
        num(static_cast<unsigned long long>(v));
    } else if constexpr (std::is_enum_v<T>) {
      snum(static_cast<long long>(v));
    } else if constexpr (std::is_pointer_v<T>) {
      pointer(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      snum(static_cast<long long>(v));
    } else if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= 8) {
      // A small struct or union by value (LARGE_INTEGER, in_addr): its bits.
      unsigned long long bits = 0;
      std::memcpy(&bits, &v, sizeof(T));
      putc('{');
      hexnum(bits);
      putc('}');
    } else {
      put("{...}");
    }
  }
  template <class P> void pointer(P p) {
    using T = std::remove_pointer_t<P>;
    using U = std::remove_cv_t<T>;
    if (!p) {
      put("NULL");
      return;
    }
    if constexpr (std::is_function_v<T>) {
      hexnum(reinterpret_cast<uintptr_t>(p));
    } else if constexpr ((std::is_same_v<U, char> || std::is_same_v<U, char16_t> ||
                          std::is_same_v<U, wchar_t>) &&
                         std::is_const_v<T>) {
      cstring(p); // an input string
    } else {
      hexnum(reinterpret_cast<uintptr_t>(p));
      // A pointer to one scalar (LPDWORD, PHANDLE, int *, socklen_t *): what it holds
      // after the call (an out-parameter's result, an in-parameter's value).
      if constexpr ((std::is_arithmetic_v<U> &&
                     sizeof(std::conditional_t<std::is_arithmetic_v<U>, U, int>) > 1) ||
                    std::is_pointer_v<U>) {
        put("->");
        if constexpr (std::is_pointer_v<U>) {
          if (*p)
            hexnum(reinterpret_cast<uintptr_t>(*p));
          else
            put("NULL");
        } else {
          value(*p);
        }
      }
    }
  }

  SavedErrors saved_;
  char buf_[1536];
  size_t n_ = 0;
  int args_ = 0;
};

// One line for a deliberately unsupported feature, once per call site (`once`) and process,
// whenever tracing is on at all (whatever the family filter): the why of an error code.
void unsupported(std::atomic<bool> &once, const char *api, const char *why);

} // namespace ipcshim::trace
