/*
 * The sockets of a load process, for the benchmark: `udpmux N` gives N clients each an address of
 * its own on the loopback network, and carries their datagrams over its standard input and
 * output, many to a read or a write.
 *
 * Client i sends from and hears at 127.1.0.0 + i + 1 (127.1.0.1, 127.1.0.2, ...), on the port of
 * the socket it shares with the 3 other clients of its block: a socket bound to all addresses,
 * which sends each datagram from its client's address (IP_PKTINFO) and tells by a datagram's
 * destination address whose it is. A server so sees N clients at N addresses, as it does on a
 * network, while the load pays a system call for a batch of datagrams, sent (`sendmmsg`) or
 * received (`recvmmsg`), where with a socket for each client it paid one a datagram: CPU the load
 * would take from the machine the server under test shares. A block is 4 clients, no more: on a
 * network few clients share a port (a NAT's), and a server that remembers its clients' addresses
 * by port (rxgase's, 4 hosts a port) would pay, for a load of many hosts to a port, what no
 * network asks of it.
 *
 * In, on standard input, datagrams to send: [u32 client][u16 port][u16 length][bytes], each sent
 * from client `client`'s address to 127.0.0.1:port, those of one read together.
 * Out, on standard output, datagrams received: [u32 client][u16 length][u32 at][bytes], `at` the
 * microsecond of CLOCK_MONOTONIC the datagram reached its socket (the kernel's stamp, taken on the
 * wall clock and moved to the monotonic one), modulo 2^32. Sockets are read in rounds a
 * millisecond apart at least, every one that is ready in a round, to its last datagram, 32 to a
 * `recvmmsg`, so that one wait finds many of them ready; standard input is read as it comes.
 * First of all comes a frame of client 0xFFFFFFFF, empty: the sockets are bound.
 * Integers little-endian. The helper ends when its standard input closes; sends and receives that
 * failed, and datagrams for no client of its, are counted, and the counts written to standard
 * error as it ends.
 *
 * Past ~300 lines with its comments: one role, one small program, kept in one file so that the
 * benchmark builds it with one call of the C compiler.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAM 65535
#define IN_HEADER 8
#define OUT_HEADER 10
#define CAPACITY (1 << 20)
#define EVENTS 1024
#define RECEIVE_BUFFER (256 * 1024)
/* Clients to a socket. */
#define BLOCK 4
/* The address of client 0, as a number; client i's is this and i. */
#define FIRST_CLIENT 0x7F010001u
/* The shortest round of reading the sockets. */
#define ROUND_NS 1000000L
#define READY 0xFFFFFFFFu

static unsigned char out[CAPACITY];
static size_t outLength;
static unsigned char in[CAPACITY];
static size_t inLength;
static int *sockets;
static uint32_t count;
static unsigned long sendFailures, receiveFailures, strays;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static long long nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* A time in microseconds. */
static long long microseconds(const struct timespec *at) {
  return (long long)at->tv_sec * 1000000LL + at->tv_nsec / 1000;
}

/* How far CLOCK_MONOTONIC is ahead of CLOCK_REALTIME now, in microseconds. */
static long long monotonicAhead(void) {
  struct timespec wall, monotonic;
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_MONOTONIC, &monotonic);
  return microseconds(&monotonic) - microseconds(&wall);
}

static void writeAll(const unsigned char *bytes, size_t length) {
  while (length > 0) {
    ssize_t written = write(1, bytes, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      die("udpmux: write");
    }
    bytes += written;
    length -= (size_t)written;
  }
}

static void flush(void) {
  writeAll(out, outLength);
  outLength = 0;
}

static void put32(unsigned char *p, uint32_t value) {
  p[0] = value & 0xff;
  p[1] = (value >> 8) & 0xff;
  p[2] = (value >> 16) & 0xff;
  p[3] = value >> 24;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The sends of one read of standard input, each with its destination and its client's address. */
#define SENDS 1024
static struct mmsghdr sends[SENDS];
static struct iovec sendSlots[SENDS];
static struct sockaddr_in sendTo[SENDS];
static unsigned char sendFrom[SENDS][CMSG_SPACE(sizeof(struct in_pktinfo))];
static int sendsQueued;
static int sendSocket = -1;

/* Sends what is queued, all from socket `sendSocket`; what the system refused is counted. */
static void sendQueued(void) {
  int at = 0;
  while (at < sendsQueued) {
    int sent = sendmmsg(sendSocket, sends + at, (unsigned)(sendsQueued - at), 0);
    if (sent < 0) {
      if (errno == EINTR) continue;
      /* The first failed: counted, and the rest go on. */
      sendFailures++;
      at++;
      continue;
    }
    at += sent;
  }
  sendsQueued = 0;
}

/* Queues `length` bytes at `bytes` from client `client` to 127.0.0.1:port. */
static void queueSend(uint32_t client, uint16_t port, unsigned char *bytes, uint16_t length) {
  int socket = sockets[client / BLOCK];
  if (sendsQueued == SENDS || (sendsQueued > 0 && socket != sendSocket)) sendQueued();
  sendSocket = socket;
  int i = sendsQueued++;
  sendSlots[i].iov_base = bytes;
  sendSlots[i].iov_len = length;
  sendTo[i].sin_family = AF_INET;
  sendTo[i].sin_port = htons(port);
  sendTo[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct msghdr *header = &sends[i].msg_hdr;
  header->msg_name = &sendTo[i];
  header->msg_namelen = sizeof sendTo[i];
  header->msg_iov = &sendSlots[i];
  header->msg_iovlen = 1;
  header->msg_control = sendFrom[i];
  header->msg_controllen = sizeof sendFrom[i];
  struct cmsghdr *c = CMSG_FIRSTHDR(header);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
  struct in_pktinfo from = {0};
  from.ipi_spec_dst.s_addr = htonl(FIRST_CLIENT + client);
  memcpy(CMSG_DATA(c), &from, sizeof from);
}

/* Reads standard input and sends each whole frame; a partial one waits for the next read. */
static void takeInput(void) {
  ssize_t got = read(0, in + inLength, CAPACITY - inLength);
  if (got < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    die("udpmux: read");
  }
  if (got == 0) {
    flush();
    if (sendFailures || receiveFailures || strays)
      fprintf(stderr, "udpmux: %lu sends and %lu receives failed, %lu datagrams for no client\n",
              sendFailures, receiveFailures, strays);
    exit(0);
  }
  inLength += (size_t)got;
  size_t at = 0;
  while (inLength - at >= IN_HEADER) {
    uint32_t client = get32(in + at);
    uint16_t port = get16(in + at + 4);
    uint16_t length = get16(in + at + 6);
    if (inLength - at < IN_HEADER + (size_t)length) break;
    if (client >= count) {
      fprintf(stderr, "udpmux: no client %u of %u\n", client, count);
      exit(1);
    }
    queueSend(client, port, in + at + IN_HEADER, length);
    at += IN_HEADER + (size_t)length;
  }
  /* Sent before the bytes they point at move. */
  sendQueued();
  memmove(in, in + at, inLength - at);
  inLength -= at;
}

/* Where a socket's datagrams are taken to, up to BATCH at once. */
#define BATCH 32
static unsigned char scratch[BATCH][MAX_DATAGRAM];
static struct iovec slots[BATCH];
static struct mmsghdr messages[BATCH];
/* Where the kernel puts each datagram's arrival time (SO_TIMESTAMPNS) and its destination. */
#define CONTROL (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct in_pktinfo)))
static unsigned char controls[BATCH][CONTROL];

/*
 * Which client message `i` is for (count where it is for none), and when it reached its socket, in
 * µs of CLOCK_MONOTONIC modulo 2^32: the kernel's stamp, on the wall clock, moved by `ahead` (see
 * monotonicAhead); now if it has none.
 */
static uint32_t clientOf(int i, long long ahead, uint32_t *at) {
  struct msghdr *header = &messages[i].msg_hdr;
  uint32_t client = count;
  int stamped = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec stamp;
      memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
      *at = (uint32_t)(microseconds(&stamp) + ahead);
      stamped = 1;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo to;
      memcpy(&to, CMSG_DATA(c), sizeof to);
      uint32_t index = ntohl(to.ipi_addr.s_addr) - FIRST_CLIENT;
      if (index < count) client = index;
    }
  }
  if (!stamped) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    *at = (uint32_t)microseconds(&now);
  }
  return client;
}

/*
 * Takes every datagram socket `which` holds into the frames going out, BATCH to a system call.
 * Those for another block's clients (none should come) are counted and dropped.
 */
static void takeDatagrams(uint32_t which) {
  for (;;) {
    for (int i = 0; i < BATCH; i++) messages[i].msg_hdr.msg_controllen = CONTROL;
    int got = recvmmsg(sockets[which], messages, BATCH, MSG_DONTWAIT, NULL);
    if (got < 0) {
      if (errno != EAGAIN && errno != EINTR) receiveFailures++;
      return;
    }
    long long ahead = monotonicAhead();
    for (int i = 0; i < got; i++) {
      uint32_t at;
      uint32_t client = clientOf(i, ahead, &at);
      if (client == count || client / BLOCK != which) {
        strays++;
        continue;
      }
      size_t length = messages[i].msg_len;
      if (CAPACITY - outLength < OUT_HEADER + length) flush();
      unsigned char *frame = out + outLength;
      put32(frame, client);
      frame[4] = length & 0xff;
      frame[5] = (length >> 8) & 0xff;
      put32(frame + 6, at);
      memcpy(frame + OUT_HEADER, scratch[i], length);
      outLength += OUT_HEADER + length;
    }
    if (got < BATCH) return;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: udpmux CLIENTS\n");
    return 2;
  }
  count = (uint32_t)strtoul(argv[1], NULL, 10);
  uint32_t socketCount = (count + BLOCK - 1) / BLOCK;
  sockets = calloc(socketCount ? socketCount : 1, sizeof(int));
  int all = epoll_create1(0);
  if (sockets == NULL || all < 0) die("udpmux: setup");
  /*
   * Frames wait in larger buffers than the default while the other side is busy: standard input
   * and output are pipes or, as Node.js makes them, sockets. Where neither takes, the default.
   */
  int buffer = CAPACITY;
  if (fcntl(0, F_SETPIPE_SZ, CAPACITY) < 0)
    setsockopt(0, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  if (fcntl(1, F_SETPIPE_SZ, CAPACITY) < 0)
    setsockopt(1, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  struct epoll_event event = {.events = EPOLLIN, .data.u32 = READY};
  if (epoll_ctl(all, EPOLL_CTL_ADD, 0, &event) < 0) die("udpmux: epoll stdin");
  for (uint32_t i = 0; i < socketCount; i++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("udpmux: socket");
    int size = RECEIVE_BUFFER;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) < 0) die("udpmux: IP_PKTINFO");
    /* All addresses: each of the block's clients hears at its own. */
    struct sockaddr_in at = {0};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&at, sizeof at) < 0) die("udpmux: bind");
    event.data.u32 = i;
    if (epoll_ctl(all, EPOLL_CTL_ADD, fd, &event) < 0) die("udpmux: epoll socket");
    sockets[i] = fd;
  }
  for (int i = 0; i < BATCH; i++) {
    slots[i].iov_base = scratch[i];
    slots[i].iov_len = MAX_DATAGRAM;
    messages[i].msg_hdr.msg_iov = &slots[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_control = controls[i];
  }
  unsigned char ready[OUT_HEADER] = {0xff, 0xff, 0xff, 0xff};
  writeAll(ready, sizeof ready);
  struct epoll_event events[EVENTS];
  long long roundStart = nanoseconds();
  for (;;) {
    /* The rest of the round: sends go out as they come, datagrams wait for the next round. */
    for (long long rest; (rest = roundStart + ROUND_NS - nanoseconds()) > 0;) {
      struct pollfd input = {.fd = 0, .events = POLLIN};
      struct timespec wait = {0, rest};
      int readable = ppoll(&input, 1, &wait, NULL);
      if (readable < 0 && errno != EINTR) die("udpmux: ppoll");
      if (readable > 0) takeInput();
    }
    int readyNow = epoll_wait(all, events, EVENTS, -1);
    if (readyNow < 0) {
      if (errno == EINTR) continue;
      die("udpmux: epoll_wait");
    }
    roundStart = nanoseconds();
    for (int e = 0; e < readyNow; e++) {
      uint32_t which = events[e].data.u32;
      if (which == READY) takeInput();
      else takeDatagrams(which);
    }
    if (outLength > 0) flush();
  }
}
