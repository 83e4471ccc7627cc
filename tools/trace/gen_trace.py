#!/usr/bin/env python3
"""Call-tracing wrappers for a layer, generated from its public headers at build time.

Two steps, run by CMake (win-on-posix/CMakeLists.txt, posix-on-win/CMakeLists.txt):

  gen_trace.py rename   --layer wop|pow --out FILE.h   HEADER...
      The rename header, force-included (-include) into every source of the layer:
      `#define CreateFileA wop_impl_CreateFileA` for each exported function, so the
      implementation is compiled under impl names (and calls between API functions inside the
      layer stay untraced, as a relay trace shows only calls that cross the API).

  gen_trace.py wrappers --layer wop|pow --out FILE.cpp --nm NM --objects OBJ... -- HEADER...
      The wrapper translation unit (compiled without the renames): each public name, defined
      as `if (!traced(family)) return impl(args);` else call, then format arguments, result
      and error code on one line. Only functions whose impl symbol exists in the objects (nm)
      get a wrapper; a declared function with no implementation is reported on stderr, and
      stays undefined, exactly as it would be without tracing.

Which declarations count: win-on-posix, `WOP_API <ret> WINAPI|WSAAPI <Name>(...)`;
posix-on-win, `POW_API <ret> pow_<name>(...)`. Left alone (not renamed, not traced):
lowercase win-on-posix names (a macro renaming `send` would also rename the C library's
send), except the Winsock-only names in LOWERCASE_TRACED. Winsock's BSD names (send, recv,
select...) are declared with an asm label, WOP_WS_LINK(name) = symbol wop_ws_<name>: when
a header lets the label be overridden (`#ifndef WOP_WS_LINK`), the rename header points the
implementation's labels at wop_impl_ws_<name> and these are traced too; otherwise they are
left alone.

Families (the trace filter, WOP_TRACE=named_pipe,mailslot): the first pattern of FAMILIES
that matches the name wins; `other` catches the rest.
"""
import argparse
import re
import subprocess
import sys

FAMILIES = {
    'wop': [
        ('error', r'^(Get|Set)LastError$'),
        ('winsock', r'^WSA|^__WSA|^(closesocket|ioctlsocket|socket|bind|listen|accept|connect|send|'
                    r'recv|sendto|recvfrom|shutdown|getsockname|getpeername|getsockopt|'
                    r'setsockopt|wop_select|gethostbyname|getaddrinfo|freeaddrinfo|getnameinfo|'
                    r'inet_\w+)$'),
        ('mailslot', r'Mailslot'),
        ('named_pipe', r'NamedPipe'),
        ('pipe', r'^CreatePipe$'),
        ('mapping', r'FileMapping|ViewOfFile|^VirtualQuery'),
        ('overlapped', r'Overlapped|^CancelIo|^ReadFileEx$|^WriteFileEx$|APC$|^SleepEx$'),
        ('file', r'File|StdHandle'),
        ('sync', r'Event|Mutex|Semaphore|^WaitFor|SignalObjectAndWait|^Sleep'),
        ('process', r'Process|Thread|CommandLine|Environment|StartupInfo'),
        ('handle', r'Handle'),
    ],
    'pow': [
        ('pipe', r'^pow_pipe2?$'),
        ('fifo', r'fifo|mknod'),
        ('select', r'^pow_(p?select|poll)$'),
        ('signal', r'^pow_(sig|raise$|kill$)'),
        ('ids', r'^pow_(get|set)e?[ug]id$'),
        ('socket', r'^pow_(socket|socketpair|bind|listen|accept|connect|send|recv|shutdown|'
                   r'getsockopt|setsockopt|getsockname|getpeername|getaddrinfo|freeaddrinfo|'
                   r'getnameinfo|gai_strerror|inet_|hton|ntoh)'),
        ('spawn', r'^pow_(posix_spawn|wait|popen|pclose|system)'),
        ('shm', r'^pow_shm'),
        ('msg', r'^pow_msg'),
        ('sem', r'^pow_sem'),
        ('ipc', r'^pow_ftok$'),
        ('fd', r'^pow_(read|write|readv|writev|close|dup|dup2|dup3|isatty|lseek|fcntl|open|'
               r'fd_type)$'),
    ],
}
LOWERCASE_TRACED = {'closesocket', 'ioctlsocket'}
IMPL_PREFIX = {'wop': 'wop_impl_', 'pow': 'pow_impl_'}
# The extra argument of a variadic function, as the wrapper reads and forwards it: one
# machine word (on x86-64 every variadic argument has a word's slot, SysV and Win64 alike).
FLAG_NAME = re.compile(r'(?i)(flag|mode|access|mask|attrib|option|events|prot$|shmflg|msgflg|'
                       r'semflg|how$|version)')
# Integer types that are handles (pointer types, HANDLE and the like, print in hex anyway).
HEX_TYPE = re.compile(r'^(SOCKET)$')
BUF_NAME = re.compile(r'(?i)(buf|buffer|msgp|optval)$|^lp(In|Out)?Buffer$')
TYPE_WORDS = {'const', 'volatile', 'unsigned', 'signed', 'int', 'char', 'short', 'long',
              'void', 'float', 'double', 'struct', 'union', 'enum', 'restrict'}


def strip(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    # Preprocessor lines go (with their continuations); declarations under #if stay.
    text = re.sub(r'^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', ' ', text, flags=re.M)
    return text


def split_params(s):
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class Param:
    def __init__(self, text, index):
        self.text = ' '.join(text.split())
        self.variadic = self.text == '...'
        self.array = None
        m = re.search(r'\(\s*\*\s*(\w+)\s*\)', self.text)  # function pointer
        if m:
            self.name = m.group(1)
            self.type = self.text
            return
        body = self.text
        am = re.search(r'\[\s*(\w*)\s*\]$', body)
        if am:
            self.array = am.group(1) or None
            body = body[:am.start()].rstrip()
        m = re.search(r'(\w+)$', body)
        if self.variadic:
            self.name, self.type = '__va', ''
        elif not m or m.group(1) in TYPE_WORDS or body.endswith('*') or \
                re.fullmatch(r'\s*(const\s+)?\w+\s*', body) and not am:
            # Unnamed parameter: give it a name in the wrapper's own definition.
            self.name = 'a%d' % index
            self.type = body
            self.text = body + ' ' + self.name + (self.text[len(body):] if am else '')
        else:
            self.name = m.group(1)
            self.type = body[:m.start()].strip()
        if am:
            self.type += ' *'

    @property
    def is_pointer(self):
        return '*' in self.type or re.search(r'\b(LP|P)[A-Z]', self.type) is not None or \
            self.type.strip() in ('HANDLE',)

    @property
    def is_const(self):
        return 'const' in self.type.split() or re.search(r'\bLPC', self.type) is not None


class Func:
    def __init__(self, layer, ret, name, params, noreturn, link=None):
        self.layer, self.ret, self.name, self.noreturn = layer, ' '.join(ret.split()), name, noreturn
        self.link = link  # the WOP_WS_LINK name, if declared with one
        plist = split_params(params)
        if plist in ([], ['void']):
            plist = []
        self.params = [Param(p, i) for i, p in enumerate(plist)]
        self.family = 'other'
        for fam, pat in FAMILIES[layer]:
            if re.search(pat, name):
                self.family = fam
                break

    @property
    def shown(self):
        # The name the program wrote: pipe(), not pow_pipe() (the headers map one onto the other).
        if self.link and self.name.startswith('wop_'):
            return self.link  # wop_select: the program wrote select()
        return self.name[4:] if self.layer == 'pow' else self.name

    @property
    def impl(self):
        if self.link:
            return 'wop_impl_ws_' + self.link
        short = self.name[4:] if self.layer == 'pow' else self.name
        return IMPL_PREFIX[self.layer] + short


def parse(layer, paths):
    funcs, seen = [], set()
    if layer == 'wop':
        decl = re.compile(r'WOP_API\s+(?P<ret>[^;{}()]*?)\s*\b(?:WINAPI|WSAAPI)\s+(?P<name>\w+)\s*'
                          r'\((?P<params>[^()]*(?:\([^()]*\)[^()]*)*)\)(?P<tail>[^;{}]*);')
    else:
        decl = re.compile(r'POW_API\s+(?P<ret>[^;{}()]*?[\s*])(?P<name>pow_\w+)\s*'
                          r'\((?P<params>[^()]*(?:\([^()]*\)[^()]*)*)\)(?P<tail>[^;{}]*);')
    texts = []
    for path in paths:
        with open(path, encoding='utf-8') as f:
            texts.append(f.read())
    overridable = any(re.search(r'^\s*#\s*ifndef\s+WOP_WS_LINK\b', t, re.M) for t in texts)
    for raw in texts:
        text = strip(raw)
        for m in decl.finditer(text):
            name = m.group('name')
            if name in seen:
                continue
            link = None
            tail = m.group('tail').strip()
            if tail:  # an asm label: linked under another name
                lm = re.fullmatch(r'WOP_WS_LINK\(\s*(\w+)\s*\)', tail)
                if not (lm and overridable):
                    continue
                link = lm.group(1)
            elif layer == 'wop' and not name[0].isupper() and name not in LOWERCASE_TRACED:
                continue
            before = text[max(0, text.rfind(';', 0, m.start())):m.start()]
            seen.add(name)
            funcs.append(Func(layer, m.group('ret'), name, m.group('params'),
                              'noreturn' in before, link))
    return funcs


def error_names(layer, paths):
    names = []
    if layer == 'wop':
        for path in paths:
            with open(path, encoding='utf-8') as f:
                for m in re.finditer(r'^#define\s+(ERROR_\w+|WSAE\w+|WSA_\w+|WSASYSNOTREADY|WSAVERNOTSUPPORTED|'
                                     r'WSANOTINITIALISED)\s+\(?(\d+)L?\)?\s*$',
                                     f.read(), re.M):
                    names.append(m.group(1))
    else:
        names = ['EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF',
                 'ECHILD', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'EBUSY', 'EEXIST', 'EXDEV',
                 'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'EFBIG',
                 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK',
                 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'EILSEQ', 'EWOULDBLOCK',
                 'EINPROGRESS', 'EALREADY', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE', 'EPROTOTYPE',
                 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'EOPNOTSUPP', 'ENOTSUP', 'EAFNOSUPPORT',
                 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN', 'ENETUNREACH', 'ECONNABORTED',
                 'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN', 'ETIMEDOUT', 'ECONNREFUSED',
                 'EHOSTUNREACH', 'EIDRM', 'ENOMSG', 'EOVERFLOW', 'ECANCELED', 'EOWNERDEAD']
    return names


def impl_symbols(nm, objects):
    syms = set()
    for obj in objects:
        out = subprocess.run([nm, '--defined-only', obj], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] in 'TW':
                syms.add(parts[2])
    return syms


def write_if_changed(path, text):
    try:
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def gen_rename(layer, funcs):
    out = ['/* Generated by tools/trace/gen_trace.py: the layer\'s sources define the API under',
           ' * impl names; the public names are the tracing wrappers. Do not edit. */',
           '#ifndef IPCSHIM_TRACE_NO_RENAME']
    # The impls are internal: no export attribute on their (renamed) declarations.
    out.append('#define WOP_STATIC_DEFINE 1' if layer == 'wop' else '#undef POW_BUILDING_DLL')
    if any(fn.link for fn in funcs):
        out.append('#define WOP_WS_LINK(name) __asm__("wop_impl_ws_" #name)')
    for fn in funcs:
        if not fn.link:
            out.append('#define %s %s' % (fn.name, fn.impl))
    out.append('#endif')
    return '\n'.join(out) + '\n'


def arg_expr(fn, i, p):
    """The C++ that formats parameter p, after the call (result in `r` when there is one)."""
    if p.variadic:
        return 't.hex("...", (unsigned long long)__va);'
    nm = p.name
    if p.array and p.array.isdigit():
        return 't.arr("%s", %s, %s);' % (nm, nm, p.array)
    base = re.sub(r'\b(const|LPC?VOID|void|char|CHAR|LPC?STR)\b', '', p.type).replace('*', '').strip()
    bufferish = re.search(r'\b(LPC?VOID|void|char|CHAR)\b', p.type) and p.is_pointer and not base
    if bufferish and BUF_NAME.search(nm) and i + 1 < len(fn.params):
        length = fn.params[i + 1].name
        if p.is_const or 'In' in nm:
            return 't.buf("%s", %s, (unsigned long long)(%s));' % (nm, nm, length)
        # An output buffer: show what the call put there, when a count says how much.
        counts = [q.name for q in fn.params if re.search(r'(?i)^lp(NumberOf)?BytesRead$', q.name)]
        if counts:
            c = counts[0]
            return 't.buf("%s", %s, %s ? (unsigned long long)*%s : 0ull);' % (nm, nm, c, c)
        if fn.ret not in ('void',) and re.search(r'ssize_t|^int$', fn.ret):
            return 't.buf("%s", %s, r > 0 ? (unsigned long long)r : 0ull);' % (nm, nm)
        return 't.arg("%s", (const void *)%s);' % (nm, nm)
    if 'CommandLine' in nm and p.type.strip() in ('LPSTR', 'LPWSTR'):
        # Writable for the callee, but an input string.
        return 't.arg("%s", (%s)%s);' % (nm, p.type.strip().replace('LP', 'LPC'), nm)
    if FLAG_NAME.search(nm) and not p.is_pointer:
        return 't.hex("%s", (unsigned long long)%s);' % (nm, nm)
    if HEX_TYPE.match(p.type.strip()) and not p.is_pointer:
        return 't.hex("%s", (unsigned long long)%s);' % (nm, nm)
    return 't.arg("%s", %s);' % (nm, nm)


def gen_wrappers(layer, funcs, errors, have, fams, headers):
    L = []
    w = L.append
    w('// Generated by tools/trace/gen_trace.py from the public headers. Do not edit.')
    w('// Each public function: one branch on the trace mask when tracing is off.')
    # The layer's own headers, as parsed (the renames are off in this file).
    if layer == 'wop':
        w('#include <windows.h>')
    else:
        w('#include <errno.h>\n#include <windows.h>')
    for h in headers:
        w('#include "%s"' % h)
    w('#include <stdarg.h>')
    w('#include "trace_line.hpp"')
    w('')
    w('namespace ipcshim::trace {')
    w('extern const char *const kFamilyNames[] = {%s};' % ', '.join('"%s"' % f for f in fams))
    w('extern const int kFamilyCount = %d;' % len(fams))
    w('const char *error_name(long e) {')
    w('  struct N { long v; const char *n; };')
    w('  static const N names[] = {')
    for n in errors:
        w('#ifdef %s\n    {(long)(%s), "%s"},\n#endif' % (n, n, n))
    w('    {0, nullptr}};')
    w('  if (e == 0) return nullptr;')
    w('  for (const N *p = names; p->n; ++p)')
    w('    if (p->v == e) return p->n;')
    w('  return nullptr;')
    w('}')
    w('} // namespace ipcshim::trace')
    w('')
    w('using ipcshim::trace::Line;')
    w('using ipcshim::trace::traced;')
    w('')
    missing = []
    w('extern "C" {')
    for fn in funcs:
        if fn.impl not in have:
            missing.append(fn.name)
            continue
        bit = '(1u << %d)' % fams.index(fn.family)
        params = ', '.join(p.text for p in fn.params)
        attr = '__attribute__((noreturn)) ' if fn.noreturn else ''
        w('%s%s %s(%s);' % (attr, fn.ret, fn.impl, params or 'void'))
        variadic = fn.params and fn.params[-1].variadic
        fixed = [p for p in fn.params if not p.variadic]
        call_args = ', '.join([p.name for p in fixed] + (['__va'] if variadic else []))
        w('%s%s %s(%s) {' % ('', fn.ret, fn.name, params or 'void'))
        if variadic:
            w('  va_list ap;\n  va_start(ap, %s);\n  long long __va = va_arg(ap, long long);'
              '\n  va_end(ap);' % fixed[-1].name)
        void = fn.ret == 'void'
        call = '%s(%s)' % (fn.impl, call_args)
        if void:
            w('  if (__builtin_expect(!traced(%s), 1)) {\n    %s;%s\n  }'
              % (bit, call, '' if fn.noreturn else '\n    return;'))
        else:
            w('  if (__builtin_expect(!traced(%s), 1))\n    return %s;' % (bit, call))
        if fn.noreturn:
            # It never returns: the line goes out first.
            w('  {')
            w("    Line t(\"%s\");" % fn.shown)
            for i, p in enumerate(fn.params):
                w('    ' + arg_expr(fn, i, p))
            w('    t.noreturn();')
            w('  }')
            w('  %s;' % call)
            w('}')
            continue
        if void:
            w('  %s;' % call)
        else:
            w('  %s r = %s;' % (fn.ret, call))
        w("  Line t(\"%s\");" % fn.shown)
        for i, p in enumerate(fn.params):
            w('  ' + arg_expr(fn, i, p))
        if void:
            w('  t.end_void();')
        else:
            w('  t.result_hex((unsigned long long)r);' if HEX_TYPE.match(fn.ret) else '  t.result(r);')
            w('  return r;')
        w('}')
    w('} // extern "C"')
    return '\n'.join(L) + '\n', missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['rename', 'wrappers', 'list'])
    ap.add_argument('--layer', required=True, choices=['wop', 'pow'])
    ap.add_argument('--out')
    ap.add_argument('--nm')
    ap.add_argument('--objects', nargs='*', default=[])
    ap.add_argument('headers', nargs='+')
    a = ap.parse_args()
    funcs = parse(a.layer, a.headers)
    fams = [f for f, _ in FAMILIES[a.layer]] + ['other']
    if a.mode == 'list':
        for fn in funcs:
            print(fn.family, fn.name, fn.ret, [(p.type, p.name) for p in fn.params])
        return 0
    if a.mode == 'rename':
        write_if_changed(a.out, gen_rename(a.layer, funcs))
        return 0
    have = impl_symbols(a.nm, a.objects)
    text, missing = gen_wrappers(a.layer, funcs, error_names(a.layer, a.headers), have, fams,
                                 a.headers)
    if missing:
        print('gen_trace.py: declared in the public headers but not implemented (no %s symbol): '
              '%s' % (IMPL_PREFIX[a.layer] + '*', ', '.join(missing)), file=sys.stderr)
    write_if_changed(a.out, text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
