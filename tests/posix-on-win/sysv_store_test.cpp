// The System V object store's repair and reaping paths, which the conformance corpus can
// only reach by killing processes: a lock abandoned in the middle of a creation, records of
// processes that are gone, stale ids.
#include "sysv_store.hpp"

#include <pow/shm.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>

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
