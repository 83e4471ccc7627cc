// Internals of events, mutexes, semaphores and the wait engine: the runtime directory and
// named-object files, stale names, wait-all atomicity under contention, abandonment.
#include "named_object.hpp"
#include "sync_object.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

std::string unique(const char *what) {
  return std::string("wop-unit-") + what + "-" + std::to_string(::getpid());
}

std::string file_of(const std::string &name) {
  return wop::runtime_dir() + "/local/n-" + name;
}

TEST(RuntimeDir, IsPrivateToTheUser) {
  const std::string &dir = wop::runtime_dir();
  ASSERT_FALSE(dir.empty());
  struct stat st;
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST(NamedObject, FileLivesExactlyAsLongAsAHandle) {
  std::string name = unique("life");
  HANDLE a = CreateEventA(nullptr, TRUE, FALSE, name.c_str());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(::access(file_of(name).c_str(), F_OK), 0);
  HANDLE b = OpenEventA(SYNCHRONIZE, FALSE, name.c_str());
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(CloseHandle(a));
  EXPECT_EQ(::access(file_of(name).c_str(), F_OK), 0) << "one handle is still open";
  ASSERT_TRUE(CloseHandle(b));
  EXPECT_NE(::access(file_of(name).c_str(), F_OK), 0) << "the name outlived its last handle";
  EXPECT_EQ(OpenEventA(SYNCHRONIZE, FALSE, name.c_str()), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
}

TEST(NamedObject, StaleFileOfAKilledHolderIsReplaced) {
  // What a process killed while holding a name leaves: the file, with no lock on it.
  std::string name = unique("stale");
  HANDLE a = CreateSemaphoreA(nullptr, 3, 5, name.c_str());
  ASSERT_NE(a, nullptr);
  std::string path = file_of(name);
  std::string keep = path + ".copy";
  ASSERT_EQ(::link(path.c_str(), keep.c_str()), 0);
  ASSERT_TRUE(CloseHandle(a));
  ASSERT_EQ(::rename(keep.c_str(), path.c_str()), 0);
  EXPECT_EQ(OpenSemaphoreA(SYNCHRONIZE, FALSE, name.c_str()), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
  HANDLE b = CreateSemaphoreA(nullptr, 0, 1, name.c_str());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS)) << "a stale name is not an object";
  EXPECT_EQ(WaitForSingleObject(b, 0), WAIT_TIMEOUT) << "the new object has its own count";
  CloseHandle(b);
}

TEST(NamedObject, NamesWithOddCharactersAndLongNames) {
  std::string odd = unique("odd") + " /.%:*?\"<>|é";
  std::string longname = unique("long") + std::string(600, 'x');
  for (const std::string &name : {odd, longname}) {
    HANDLE a = CreateMutexA(nullptr, FALSE, name.c_str());
    ASSERT_NE(a, nullptr) << name;
    HANDLE b = OpenMutexA(SYNCHRONIZE, FALSE, name.c_str());
    ASSERT_NE(b, nullptr) << name;
    CloseHandle(b);
    CloseHandle(a);
  }
  EXPECT_EQ(CreateEventA(nullptr, TRUE, FALSE, "a\\b"), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_PATH_NOT_FOUND));
}

TEST(Wait, WaitAllNeverConsumesPartially) {
  // Threads take the semaphore alone, and the semaphore with the event together: every
  // unit taken must be accounted for by exactly one successful wait.
  HANDLE sem = CreateSemaphoreA(nullptr, 0, 1000000, nullptr);
  HANDLE ev = CreateEventA(nullptr, FALSE, FALSE, nullptr);
  std::atomic<int> single{0}, pair{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] {
      while (!stop)
        if (WaitForSingleObject(sem, 1) == WAIT_OBJECT_0)
          ++single;
    });
  threads.emplace_back([&] {
    HANDLE both[2] = {sem, ev};
    while (!stop)
      if (WaitForMultipleObjects(2, both, TRUE, 1) == WAIT_OBJECT_0)
        ++pair;
  });
  const int kUnits = 20000, kEvents = 500;
  for (int i = 0; i < kUnits; ++i) {
    ReleaseSemaphore(sem, 1, nullptr);
    if (i % (kUnits / kEvents) == 0)
      SetEvent(ev);
  }
  // Drain what is left, then stop.
  while (single + pair < kUnits && WaitForSingleObject(sem, 0) == WAIT_OBJECT_0)
    ++single;
  stop = true;
  for (auto &t : threads)
    t.join();
  while (WaitForSingleObject(sem, 0) == WAIT_OBJECT_0)
    ++single;
  EXPECT_EQ(single + pair, kUnits);
  EXPECT_LE(pair.load(), kEvents);
  CloseHandle(sem);
  CloseHandle(ev);
}

TEST(Wait, ManyThreadsWakeOnOneManualEvent) {
  HANDLE ev = CreateEventA(nullptr, TRUE, FALSE, nullptr);
  std::atomic<int> woke{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      if (WaitForSingleObject(ev, 10000) == WAIT_OBJECT_0)
        ++woke;
    });
  SetEvent(ev);
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(woke.load(), 16);
  CloseHandle(ev);
}

DWORD WINAPI take_and_return(LPVOID m) {
  return WaitForSingleObject(static_cast<HANDLE>(m), 0);
}

TEST(Mutex, ThreadEndingWhileOwnerAbandonsIt) {
  HANDLE m = CreateMutexA(nullptr, FALSE, nullptr);
  HANDLE t = CreateThread(nullptr, 0, take_and_return, m, 0, nullptr);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  DWORD code = 0;
  ASSERT_TRUE(GetExitCodeThread(t, &code));
  EXPECT_EQ(code, WAIT_OBJECT_0);
  EXPECT_EQ(WaitForSingleObject(m, 0), WAIT_ABANDONED);
  EXPECT_EQ(WaitForSingleObject(m, 0), WAIT_OBJECT_0) << "abandoned is reported once";
  EXPECT_TRUE(ReleaseMutex(m));
  EXPECT_TRUE(ReleaseMutex(m));
  EXPECT_FALSE(ReleaseMutex(m));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_OWNER));
  CloseHandle(t);
  CloseHandle(m);
}

TEST(Mutex, HandOffBetweenThreadsKeepsMutualExclusion) {
  HANDLE m = CreateMutexA(nullptr, FALSE, nullptr);
  int counter = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 5000; ++k) {
        ASSERT_EQ(WaitForSingleObject(m, 10000), WAIT_OBJECT_0);
        ++counter; // unsynchronised but for the mutex
        ASSERT_TRUE(ReleaseMutex(m));
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(counter, 20000);
  CloseHandle(m);
}

TEST(Thread, SuspendedUntilResumed) {
  static std::atomic<int> ran{0};
  ran = 0;
  HANDLE t = CreateThread(
      nullptr, 0, [](LPVOID) -> DWORD { return static_cast<DWORD>(++ran); }, nullptr,
      CREATE_SUSPENDED, nullptr);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(WaitForSingleObject(t, 50), WAIT_TIMEOUT);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(ResumeThread(t), 1u);
  ASSERT_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  EXPECT_EQ(ran.load(), 1);
  CloseHandle(t);
}

TEST(Wait, AccessWithoutSynchronizeIsDenied) {
  HANDLE ev = CreateEventA(nullptr, TRUE, TRUE, nullptr);
  HANDLE weak = nullptr;
  ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &weak,
                              EVENT_MODIFY_STATE, FALSE, 0));
  EXPECT_EQ(WaitForSingleObject(weak, 0), WAIT_FAILED);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  EXPECT_TRUE(SetEvent(weak));
  CloseHandle(weak);
  CloseHandle(ev);
}

} // namespace
