/*
 * What the parts of rxgase's native UDP socket share: the socket's state, the records' layout, and
 * the functions one part calls in another. udp.c opens and closes the socket and is the module;
 * receive.c reads it; send.c writes it. See udp.c for what the module is for.
 */
#ifndef RXGASE_UDP_H
#define RXGASE_UDP_H

#define _GNU_SOURCE
/* Async cleanup hooks, for a worker's sockets, are Node-API 8. */
#define NAPI_VERSION 8
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/** Words in a datagram's record, in the inbox's and the outbox's records alike. */
#define RECORD_WORDS 10
/**
 * Batches read for one readiness of the socket, at most: 256 datagrams, so that timers are not
 * held up long by a backlog. A socket read in rounds a millisecond apart so takes 256,000 a second.
 */
#define READ_ROUNDS 8
/** Datagrams in one sendmmsg call, at most (the kernel takes up to UIO_MAXIOV, 1024). */
#define SEND_CHUNK 64

typedef struct {
  int fd;
  int family;
  int open;
  /** Set while a send waits for room in the socket's send buffer. */
  int want_writable;
  /** Set while JavaScript keeps the socket from being read (`pauseReading`). */
  int paused;
  /** What must happen before the struct is freed: the poll handle closed, the external collected. */
  int releases;
  /** The errno of the datagram the last send stopped at, or 0. */
  int last_errno;
  /** Closes the socket if its thread's environment ends first (a worker terminated). */
  napi_async_cleanup_hook_handle cleanup;
  uv_poll_t poll;
  napi_env env;
  napi_ref self;
  napi_ref on_batch;
  napi_ref inbox_ref;
  napi_ref records_ref;
  napi_async_context async_context;
  uint8_t *inbox;
  uint32_t *records;
  size_t slot_size;
  unsigned batch;
  struct mmsghdr *messages;
  struct iovec *vectors;
  struct sockaddr_storage *from;
} Socket;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "ERR_RXGASE_NATIVE", #call " failed");                              \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

/** The socket an external value of the module's holds; throws and gives NULL if it is none. */
Socket *unwrap(napi_env env, napi_value value);
/** The socket a function's one argument holds; throws and gives NULL if it is none. */
Socket *socket_argument(napi_env env, napi_callback_info info);
/** Fills `address` from a family (4 or 6), four words of address, a port and an IPv6 scope. */
socklen_t to_sockaddr(struct sockaddr_storage *address, uint32_t family, const uint32_t *words,
                      uint32_t port, uint32_t scope);
/** Watches for the socket being readable (or writable): reads, and calls JavaScript. */
void on_readable(uv_poll_t *poll, int status, int events);
/** Watches the socket for what it waits for now: reading unless paused, room to send if wanted. */
void watch(Socket *socket);
napi_value pause_reading(napi_env env, napi_callback_info info);
napi_value send_batch(napi_env env, napi_callback_info info);
napi_value await_writable(napi_env env, napi_callback_info info);
napi_value last_error(napi_env env, napi_callback_info info);
napi_value interface_name(napi_env env, napi_callback_info info);
napi_value interface_index(napi_env env, napi_callback_info info);

#endif
