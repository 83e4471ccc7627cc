// The System V object store's repair and reaping paths, which the conformance corpus can
// only reach by killing processes: a lock abandoned in the middle of a creation, records of
// processes that are gone, stale ids.
#include "sysv_store.hpp"

#include <pow/msg.h>
#include <pow/shm.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

using namespace posix_on_win::sysv;

namespace {

// A store of this test binary's own (set before the first use opens one).
const bool kPrivateStore = [] {
  wchar_t tmp[MAX_PATH + 1];
  DWORD n = GetTempPathW(MAX_PATH + 1, tmp);
  std::wstring dir = std::wstring(tmp, n) + L"pow-sysv-unit-" + std::to_wstring(GetCurrentProcessId());
  SetEnvironmentVariableW(L"POW_SYSV_DIR", dir.c_str());
  return true;
}();

} // namespace

TEST(SysvStore, AbandonedLockUndoesAHalfDoneCreation) {
  ASSERT_TRUE(kPrivateStore);
  int index = -1;
  // A thread takes the lock, starts a creation and ends without releasing: the mutex is
  // abandoned, as when a process is killed inside the store.
  std::thread t([&] {
    auto *lock = new StoreLock; // never destroyed: the lock stays taken
    ASSERT_TRUE(*lock);
    int err = 0;
    index = begin_create(Kind::Shm, 0x1234, 0600, &err);
  });
  t.join();
  ASSERT_GE(index, 0);
  StoreLock lock; // WAIT_ABANDONED: repair() runs
  ASSERT_TRUE(lock);
  EXPECT_EQ(entry_at(Kind::Shm, index).state, static_cast<uint32_t>(kFree));
  EXPECT_EQ(find_key(Kind::Shm, 0x1234), -1);
}

TEST(SysvStore, RecordsOfDeadProcessesAreReaped) {
  int id = pow_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  ASSERT_GE(id, 0);
  {
    StoreLock lock;
    ASSERT_TRUE(lock);
    int index = -1, err = 0;
    ASSERT_NE(entry_by_id(Kind::Shm, id, &index, &err), nullptr);
    // Two attachments of a process that has exited: a real pid that no longer runs.
    STARTUPINFOA si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    char cmd[] = "cmd.exe /c exit 0";
    ASSERT_TRUE(CreateProcessA(nullptr, cmd, nullptr, nullptr, FALSE, CREATE_NO_WINDOW, nullptr,
                               nullptr, &si, &pi));
    FILETIME c, x, k, u;
    ASSERT_TRUE(GetProcessTimes(pi.hProcess, &c, &x, &k, &u));
    ProcRecord *r = add_record(Kind::Shm, index);
    ASSERT_NE(r, nullptr);
    r->pid = pi.dwProcessId;
    r->start = (uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime;
    r->count = 2;
    EXPECT_EQ(record_count(Kind::Shm, index), 2);
    reap_dead(); // still running, or not: only a dead one may go
    if (WaitForSingleObject(pi.hProcess, 20000) != WAIT_OBJECT_0)
      FAIL() << "cmd /c exit did not end";
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    reap_dead();
    EXPECT_EQ(record_count(Kind::Shm, index), 0);
  }
  shmid_ds ds{};
  ASSERT_EQ(pow_shmctl(id, IPC_STAT, &ds), 0);
  EXPECT_EQ(ds.shm_nattch, 0u);
  EXPECT_NE(ds.shm_lpid, 0); // the reaped process counts as the last detacher
  EXPECT_NE(ds.shm_dtime, 0);
  ASSERT_EQ(pow_shmctl(id, IPC_RMID, nullptr), 0);
}

TEST(SysvStore, PidReuseIsNotTheSameProcess) {
  EXPECT_TRUE(process_alive(self().pid, self().start));
  EXPECT_FALSE(process_alive(self().pid, self().start + 1));
}

TEST(SysvStore, ReusedSlotsGetNewIds) {
  int a = pow_shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  ASSERT_GE(a, 0);
  ASSERT_EQ(pow_shmctl(a, IPC_RMID, nullptr), 0);
  int b = pow_shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  ASSERT_GE(b, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(a & 0x7FFF, b & 0x7FFF); // the same slot, a new sequence number
  shmid_ds ds{};
  errno = 0;
  EXPECT_EQ(pow_shmctl(a, IPC_STAT, &ds), -1);
  EXPECT_EQ(errno, EINVAL);
  ASSERT_EQ(pow_shmctl(b, IPC_RMID, nullptr), 0);
}

// A message queue whose lock is held by a process that is gone (killed inside msgsnd, say)
// is taken over by the next caller, who recounts the counters from the contents.
TEST(SysvMsg, LockOfADeadProcessIsTakenOverAndCountersRecounted) {
  int id = pow_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  ASSERT_GE(id, 0);
  struct {
    long mtype;
    char text[16];
  } m{1, "hello"};
  ASSERT_EQ(pow_msgsnd(id, &m, 5, 0), 0);
  m.mtype = 2;
  ASSERT_EQ(pow_msgsnd(id, &m, 7, 0), 0);

  STARTUPINFOA si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  char cmd[] = "cmd.exe /c exit 0";
  ASSERT_TRUE(CreateProcessA(nullptr, cmd, nullptr, nullptr, FALSE, CREATE_NO_WINDOW, nullptr,
                             nullptr, &si, &pi));
  ASSERT_EQ(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
  FILETIME c, x, k, u;
  ASSERT_TRUE(GetProcessTimes(pi.hProcess, &c, &x, &k, &u));
  uint64_t start = (uint64_t(c.dwHighDateTime) << 32) | c.dwLowDateTime;
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  {
    StoreLock lock;
    ASSERT_TRUE(lock);
    int index = -1, err = 0;
    Entry *e = entry_by_id(Kind::Msg, id, &index, &err);
    ASSERT_NE(e, nullptr);
    HANDLE f = open_object_file(Kind::Msg, *e, true, false);
    ASSERT_NE(f, INVALID_HANDLE_VALUE);
    HANDLE map = CreateFileMappingW(f, nullptr, PAGE_READWRITE, 0, 0, nullptr);
    CloseHandle(f);
    ASSERT_NE(map, nullptr);
    auto *head = static_cast<unsigned char *>(MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 4096));
    CloseHandle(map);
    ASSERT_NE(head, nullptr);
    // msg.cpp's header: the lock word at 0 (pid << 32 | start hash | 1), qnum at 16.
    uint32_t hash = static_cast<uint32_t>(start ^ (start >> 32)) | 1u;
    *reinterpret_cast<volatile uint32_t *>(head + 16) = 999;
    *reinterpret_cast<volatile uint64_t *>(head) = (uint64_t(pi.dwProcessId) << 32) | hash;
    UnmapViewOfFile(head);
  }
  msqid_ds ds{};
  ASSERT_EQ(pow_msgctl(id, IPC_STAT, &ds), 0); // would spin for ever without the takeover
  EXPECT_EQ(ds.msg_qnum, 2u);
  EXPECT_EQ(ds.__msg_cbytes, 12u);
  char buf[sizeof(long) + 16];
  EXPECT_EQ(pow_msgrcv(id, buf, 16, 2, IPC_NOWAIT), 7);
  EXPECT_EQ(pow_msgrcv(id, buf, 16, 0, IPC_NOWAIT), 5);
  ASSERT_EQ(pow_msgctl(id, IPC_RMID, nullptr), 0);
}

// The store's table (4096 entries per kind: SHMMNI, MSGMNI) is where *get says ENOSPC, as
// Linux does. Shared memory is the cheapest kind to fill.
TEST(SysvStore, EnospcWhenTheTableIsFull) {
  shminfo info{};
  ASSERT_GE(pow_shmctl(0, IPC_INFO, reinterpret_cast<shmid_ds *>(&info)), 0);
  std::vector<int> ids;
  int id;
  while ((id = pow_shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) >= 0 &&
         ids.size() <= static_cast<size_t>(info.shmmni))
    ids.push_back(id);
  int err = errno;
  for (int i : ids)
    EXPECT_EQ(pow_shmctl(i, IPC_RMID, nullptr), 0);
  EXPECT_EQ(id, -1);
  EXPECT_EQ(err, ENOSPC);
  EXPECT_EQ(ids.size(), static_cast<size_t>(info.shmmni)); // this test's store is its own
  id = pow_shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  EXPECT_GE(id, 0) << "a slot is free again";
  EXPECT_EQ(pow_shmctl(id, IPC_RMID, nullptr), 0);
}
