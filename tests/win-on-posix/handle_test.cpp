// The handle table: value format, stale-handle rejection, no quick reuse, thread safety.
#include "object.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace {

class Dummy final : public wop::Object {
public:
  explicit Dummy(std::atomic<int> *live = nullptr) : live_(live) {
    if (live_)
      ++*live_;
  }
  ~Dummy() override {
    if (live_)
      --*live_;
  }
  wop::ObjectKind kind() const noexcept override { return wop::ObjectKind::PipeEnd; }

private:
  std::atomic<int> *live_;
};

HANDLE make(std::atomic<int> *live = nullptr) {
  return wop::handle_insert(std::make_shared<Dummy>(live), GENERIC_READ, 0);
}

TEST(HandleTable, ValuesAreMultiplesOfFourBelow2to31) {
  for (int i = 0; i < 100; ++i) {
    HANDLE h = make();
    auto v = reinterpret_cast<uintptr_t>(h);
    EXPECT_NE(v, 0u);
    EXPECT_EQ(v % 4, 0u);
    EXPECT_LT(v, uintptr_t{1} << 31);
    EXPECT_NE(h, INVALID_HANDLE_VALUE);
    EXPECT_TRUE(CloseHandle(h));
  }
}

TEST(HandleTable, ClosedHandleIsRejectedAndNotReusedSoon) {
  HANDLE h = make();
  ASSERT_TRUE(CloseHandle(h));
  SetLastError(0);
  EXPECT_FALSE(CloseHandle(h));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  std::set<HANDLE> fresh;
  for (int i = 0; i < 200; ++i)
    fresh.insert(make());
  EXPECT_EQ(fresh.count(h), 0u) << "a just-closed handle value came back";
  for (HANDLE x : fresh)
    EXPECT_TRUE(CloseHandle(x));
}

TEST(HandleTable, GarbageValuesAreInvalidHandle) {
  const uintptr_t junk[] = {0, 1, 2, 3, 5, 0x7ffffffc, 0x80000000u, ~uintptr_t{0} - 1,
                            uintptr_t{1} << 40};
  for (uintptr_t v : junk) {
    SetLastError(0);
    EXPECT_FALSE(CloseHandle(reinterpret_cast<HANDLE>(v))) << v;
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE)) << v;
  }
}

TEST(HandleTable, DuplicatesShareTheObjectUntilTheLastCloses) {
  std::atomic<int> live{0};
  HANDLE h = make(&live);
  HANDLE d = nullptr;
  ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
  EXPECT_NE(h, d);
  EXPECT_TRUE(CloseHandle(h));
  EXPECT_EQ(live.load(), 1);
  EXPECT_TRUE(CloseHandle(d));
  EXPECT_EQ(live.load(), 0);
}

TEST(HandleTable, InheritFlagAndProtectFromClose) {
  HANDLE h = make();
  DWORD flags = 99;
  ASSERT_TRUE(GetHandleInformation(h, &flags));
  EXPECT_EQ(flags, 0u);
  ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE,
                                   HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE));
  ASSERT_TRUE(GetHandleInformation(h, &flags));
  EXPECT_EQ(flags, static_cast<DWORD>(HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE));
  EXPECT_FALSE(CloseHandle(h));
  ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
  EXPECT_TRUE(CloseHandle(h));
}

TEST(HandleTable, ConcurrentCreateAndCloseFromManyThreads) {
  std::atomic<int> live{0};
  const size_t before = wop::handle_count();
  constexpr int kThreads = 8, kRounds = 4000;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<HANDLE> mine;
      for (int i = 0; i < kRounds; ++i) {
        HANDLE h = make(&live);
        if (!h || reinterpret_cast<uintptr_t>(h) % 4)
          ++errors;
        mine.push_back(h);
        if (i % 3 == 2) { // close some as we go, oldest first
          if (!CloseHandle(mine.front()))
            ++errors;
          mine.erase(mine.begin());
        }
      }
      for (HANDLE h : mine)
        if (!CloseHandle(h))
          ++errors;
    });
  }
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(live.load(), 0) << "objects leaked or freed twice";
  EXPECT_EQ(wop::handle_count(), before);
}

TEST(HandleTable, ConcurrentHandlesAreUnique) {
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<HANDLE>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        got[t].push_back(make());
    });
  for (auto &t : threads)
    t.join();
  std::set<HANDLE> all;
  for (auto &v : got)
    all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  for (HANDLE h : all)
    CloseHandle(h);
}

} // namespace
