// System V semaphores: the commit journal, which the conformance corpus cannot reach (it
// needs a process killed between two stores inside semop).
#include <pow/sem.h>

#include <gtest/gtest.h>

#include <windows.h>

namespace posix_on_win {
int sem_test_torn_commit(int semid, const struct sembuf *sops, size_t nsops);
int sem_test_journal_pending(int semid);
} // namespace posix_on_win

namespace {

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

const bool kPrivateStore = [] {
  wchar_t tmp[MAX_PATH + 1];
  DWORD n = GetTempPathW(MAX_PATH + 1, tmp);
  std::wstring dir = std::wstring(tmp, n) + L"pow-sem-unit-" + std::to_wstring(GetCurrentProcessId());
  SetEnvironmentVariableW(L"POW_SYSV_DIR", dir.c_str());
  return true;
}();

} // namespace

TEST(SysvSem, TornCommitIsFinishedOnceByTheNextUser) {
  ASSERT_TRUE(kPrivateStore);
  int id = pow_semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  ASSERT_GE(id, 0);
  struct sembuf ops[3] = {{0, 2, 0}, {2, 5, 0}, {0, 1, 0}};
  ASSERT_EQ(posix_on_win::sem_test_torn_commit(id, ops, 3), 0);
  // The journal is valid and not yet applied, as a killed process would leave it.
  EXPECT_EQ(posix_on_win::sem_test_journal_pending(id), 2);
  // The next user finishes the whole array, once.
  EXPECT_EQ(pow_semctl(id, 0, GETVAL), 3);
  EXPECT_EQ(pow_semctl(id, 2, GETVAL), 5);
  EXPECT_EQ(pow_semctl(id, 1, GETVAL), 0);
  EXPECT_EQ(posix_on_win::sem_test_journal_pending(id), 0);
  EXPECT_EQ(pow_semctl(id, 0, GETVAL), 3);
  EXPECT_EQ(pow_semctl(id, 0, GETPID), static_cast<int>(GetCurrentProcessId()));
  struct sembuf dec = {0, -3, IPC_NOWAIT};
  EXPECT_EQ(pow_semop(id, &dec, 1), 0);
  EXPECT_EQ(pow_semctl(id, 0, GETVAL), 0);
  ASSERT_EQ(pow_semctl(id, 0, IPC_RMID), 0);
}

TEST(SysvSem, ArenaGrowsWithWaitersOfOneProcess) {
  // Several threads of this process wait with long arrays (each waiter block spans slots),
  // so the set's arena grows while waiters are queued; one SETVAL completes them all.
  int id = pow_semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  ASSERT_GE(id, 0);
  constexpr int kThreads = 8;
  HANDLE th[kThreads];
  struct Arg {
    int id;
    int rc;
  } args[kThreads];
  for (int i = 0; i < kThreads; ++i) {
    args[i] = {id, -1};
    th[i] = CreateThread(
        nullptr, 0,
        [](void *p) -> DWORD {
          auto *a = static_cast<Arg *>(p);
          struct sembuf ops[20];
          for (auto &o : ops)
            o = {0, -1, 0};
          a->rc = pow_semop(a->id, ops, 20);
          return 0;
        },
        &args[i], 0, nullptr);
    ASSERT_NE(th[i], nullptr);
  }
  for (int waited = 0; pow_semctl(id, 0, GETNCNT) < kThreads; waited += 1) {
    ASSERT_LT(waited, 20000) << "threads did not all block";
    Sleep(1);
  }
  semun a;
  a.val = 20 * kThreads;
  ASSERT_EQ(pow_semctl(id, 0, SETVAL, a), 0);
  ASSERT_EQ(WaitForMultipleObjects(kThreads, th, TRUE, 20000), WAIT_OBJECT_0);
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(args[i].rc, 0);
    CloseHandle(th[i]);
  }
  EXPECT_EQ(pow_semctl(id, 0, GETVAL), 0);
  EXPECT_EQ(pow_semctl(id, 0, GETNCNT), 0);
  ASSERT_EQ(pow_semctl(id, 0, IPC_RMID), 0);
}
