// Winsock internals: the header's Windows sizes and layouts (FD_SETSIZE's default, 32-bit
// u_long, Windows' addrinfo, Win64 WSADATA), and the WSAEventSelect latch logic under
// concurrency: a reader re-enabling FD_READ with recv while the peer keeps sending, and a
// writer re-enabling FD_WRITE with WSAEWOULDBLOCK while the peer drains, never lose an event
// (every wait is bounded; a lost event fails it).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <dlfcn.h>
#include <thread>
#include <vector>

namespace {

static_assert(FD_SETSIZE == 64, "Winsock's default");
static_assert(sizeof(SOCKET) == sizeof(void *));
static_assert(sizeof(u_long) == 4 && sizeof(WSANETWORKEVENTS) == 44);
static_assert(sizeof(fd_set) == 8 + 64 * sizeof(SOCKET));
static_assert(sizeof(struct sockaddr) == 16 && sizeof(struct sockaddr_in) == 16);
static_assert(sizeof(struct sockaddr_in6) == 28 && sizeof(SOCKADDR_STORAGE) == 128);
static_assert(offsetof(ADDRINFOA, ai_addrlen) == 16 && offsetof(ADDRINFOA, ai_canonname) == 24 &&
              offsetof(ADDRINFOA, ai_addr) == 32 && offsetof(ADDRINFOA, ai_next) == 40);
static_assert(offsetof(WSADATA, lpVendorInfo) == 8 && offsetof(WSADATA, szDescription) == 16 &&
              sizeof(WSADATA) == 408);
static_assert(sizeof(struct linger) == 4 && sizeof(struct hostent) == 32);

class Winsock : public ::testing::Test {
protected:
  void SetUp() override {
    WSADATA d;
    ASSERT_EQ(WSAStartup(MAKEWORD(2, 2), &d), 0);
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof a;
    ASSERT_EQ(bind(l, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    ASSERT_EQ(listen(l, 1), 0);
    ASSERT_EQ(getsockname(l, reinterpret_cast<sockaddr *>(&a), &len), 0);
    c_ = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ASSERT_EQ(connect(c_, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    s_ = accept(l, nullptr, nullptr);
    ASSERT_NE(s_, INVALID_SOCKET);
    closesocket(l);
    ev_ = WSACreateEvent();
  }
  void TearDown() override {
    closesocket(c_);
    closesocket(s_);
    WSACloseEvent(ev_);
    WSACleanup();
  }
  // Waits (bounded) and returns the recorded events.
  LONG wait() {
    WSANETWORKEVENTS ne{};
    EXPECT_EQ(WSAWaitForMultipleEvents(1, &ev_, FALSE, 10000, FALSE), WSA_WAIT_EVENT_0)
        << "an event was lost";
    EXPECT_EQ(WSAEnumNetworkEvents(s_, ev_, &ne), 0);
    return ne.lNetworkEvents;
  }
  SOCKET c_ = INVALID_SOCKET, s_ = INVALID_SOCKET;
  WSAEVENT ev_ = nullptr;
};

void stress_read(SOCKET c, SOCKET s, WSAEVENT ev, int bufsize) {
  constexpr long kMessages = 20000;
  ASSERT_EQ(WSAEventSelect(s, ev, FD_READ | FD_CLOSE), 0);
  long sent_total = 0;
  for (long i = 0; i < kMessages; ++i)
    sent_total += 1 + i % 13;
  std::thread sender([&] {
    char msg[16] = "0123456789abcd";
    for (long i = 0; i < kMessages; ++i) {
      int len = 1 + static_cast<int>(i % 13);
      ASSERT_EQ(send(c, msg, len, 0), len);
    }
  });
  std::vector<char> buf(static_cast<size_t>(bufsize));
  long got = 0;
  while (got < sent_total) {
    int n = recv(s, buf.data(), bufsize, 0);
    if (n > 0) {
      got += n;
      continue;
    }
    ASSERT_NE(n, 0);
    ASSERT_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
    ASSERT_EQ(WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, FALSE), WSA_WAIT_EVENT_0)
        << "FD_READ lost after " << got << " of " << sent_total << " bytes";
    WSANETWORKEVENTS ne{};
    ASSERT_EQ(WSAEnumNetworkEvents(s, ev, &ne), 0);
  }
  sender.join();
  EXPECT_EQ(got, sent_total);
}

// Needs a window message queue, which this layer has not: a clear failure, not a stub.
TEST_F(Winsock, AsyncSelectIsNotSupported) {
  EXPECT_EQ(WSAAsyncSelect(s_, nullptr, 0x400, FD_READ), SOCKET_ERROR);
  EXPECT_EQ(WSAGetLastError(), WSAEOPNOTSUPP);
  EXPECT_EQ(WSAAsyncSelect(INVALID_SOCKET, nullptr, 0x400, FD_READ), SOCKET_ERROR);
  EXPECT_EQ(WSAGetLastError(), WSAENOTSOCK);
}

// The socket functions link under their own names, so the C library's stay usable in the
// same process (a library calling socket(2) is not handed a Winsock SOCKET).
TEST_F(Winsock, LinkNamesDoNotInterposeTheCLibrary) {
  using libc_socket_fn = int (*)(int, int, int);
  using libc_close_fn = int (*)(int);
  auto libc_socket = reinterpret_cast<libc_socket_fn>(dlsym(RTLD_DEFAULT, "socket"));
  auto libc_close = reinterpret_cast<libc_close_fn>(dlsym(RTLD_DEFAULT, "close"));
  ASSERT_NE(libc_socket, nullptr);
  EXPECT_NE(reinterpret_cast<void *>(libc_socket), reinterpret_cast<void *>(&socket));
  int fd = libc_socket(2 /* Linux AF_INET */, 1 /* SOCK_STREAM */, 0);
  EXPECT_GE(fd, 0);
  EXPECT_LT(fd, 4096); // a descriptor, not a handle value from our table
  libc_close(fd);
}

TEST_F(Winsock, FdReadNeverLostWithSmallBuffers) { stress_read(c_, s_, ev_, 7); }

TEST_F(Winsock, FdReadNeverLostWithLargeBuffers) { stress_read(c_, s_, ev_, 65536); }

TEST_F(Winsock, FdWriteNeverLost) {
  constexpr long kTotal = 32L << 20;
  int small = 16384;
  ASSERT_EQ(setsockopt(c_, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char *>(&small), sizeof small), 0);
  ASSERT_EQ(WSAEventSelect(c_, ev_, FD_WRITE), 0);
  std::thread reader([&] {
    std::vector<char> buf(65536);
    long got = 0;
    while (got < kTotal) {
      int n = recv(s_, buf.data(), static_cast<int>(buf.size()), 0);
      ASSERT_GT(n, 0);
      got += n;
    }
  });
  std::vector<char> chunk(8192, 'w');
  long sent = 0;
  int blocked = 0;
  while (sent < kTotal) {
    int len = static_cast<int>(std::min<long>(static_cast<long>(chunk.size()), kTotal - sent));
    int n = send(c_, chunk.data(), len, 0);
    if (n > 0) {
      sent += n;
      continue;
    }
    ASSERT_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
    ++blocked;
    // FD_WRITE comes once there is room (a record from before may be pending too).
    for (;;) {
      ASSERT_EQ(WSAWaitForMultipleEvents(1, &ev_, FALSE, 10000, FALSE), WSA_WAIT_EVENT_0)
          << "FD_WRITE lost after " << sent << " bytes";
      WSANETWORKEVENTS ne{};
      ASSERT_EQ(WSAEnumNetworkEvents(c_, ev_, &ne), 0);
      if (ne.lNetworkEvents & FD_WRITE)
        break;
    }
  }
  reader.join();
  EXPECT_GT(blocked, 0) << "the send buffer never filled";
}

} // namespace
