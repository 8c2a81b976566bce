/*
 * rxgase's batched UDP socket, for Linux: the socket a server takes datagrams in with recvmmsg, a
 * batch at a time, and sends them out with sendmmsg, all a turn of the event loop sent in one
 * system call. node:dgram reads and writes one datagram for each system call and calls into
 * JavaScript for each; on a machine where a system call costs a microsecond, that is most of what
 * a busy game server does.
 *
 * JavaScript owns the memory both ways: an inbox the datagrams are read into, in fixed slots, with
 * a record of ten 32-bit words for each (length, port, family, flags, IPv6 scope, unused, four of
 * address), and an outbox the datagrams to send are copied into, with a record for each (offset,
 * length, port, family, IPv6 scope, unused, four of address). Addresses are in network order, as
 * the kernel has them; an IPv4 one fills the first of its four words. A datagram that did not fit its slot is marked MSG_TRUNC in its flags: the
 * JavaScript side drops it and says so.
 *
 * The socket is watched with a uv_poll_t on Node's own event loop; readable, it is read in batches
 * until it would block (or for at most READ_ROUNDS batches, so that timers are not starved), and
 * JavaScript is called once for each batch with its count, or with -errno when the read failed.
 * A send the kernel had no room for (EAGAIN, a send buffer full on a slow link) stops there:
 * JavaScript keeps the rest and calls `awaitWritable`, and is called with 0 once there is room.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
/** Batches read for one readiness of the socket, at most. */
#define READ_ROUNDS 8
/** Datagrams in one sendmmsg call, at most (the kernel takes up to UIO_MAXIOV, 1024). */
#define SEND_CHUNK 64

typedef struct {
  int fd;
  int family;
  int open;
  /** Set while a send waits for room in the socket's send buffer. */
  int want_writable;
  /** What must happen before the struct is freed: the poll handle closed, the external collected. */
  int releases;
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

static int last_errno = 0;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "ERR_RXGASE_NATIVE", #call " failed");                              \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

/** Throws an Error whose message is the system call and whose code is the errno, in decimal:
 * JavaScript makes of it the error node:dgram would give (`bind EADDRINUSE 127.0.0.1:8080`). */
static napi_value throw_errno(napi_env env, const char *syscall, int error) {
  char code[16];
  snprintf(code, sizeof code, "%d", error);
  napi_throw_error(env, code, syscall);
  return NULL;
}

/** Fills `address` from a family (4 or 6), four words of address, a port and an IPv6 scope. */
static socklen_t to_sockaddr(struct sockaddr_storage *address, uint32_t family,
                             const uint32_t *words, uint32_t port, uint32_t scope) {
  memset(address, 0, sizeof *address);
  if (family == 6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)address;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_scope_id = scope;
    memcpy(&in6->sin6_addr, words, 16);
    return sizeof *in6;
  }
  struct sockaddr_in *in = (struct sockaddr_in *)address;
  in->sin_family = AF_INET;
  in->sin_port = htons((uint16_t)port);
  memcpy(&in->sin_addr, words, 4);
  return sizeof *in;
}

/** Writes a received datagram's record: length, port, family, flags, scope, -, address. */
static void from_sockaddr(uint32_t *record, const struct sockaddr_storage *address,
                          unsigned length, unsigned flags) {
  record[0] = length;
  record[3] = flags;
  record[5] = 0;
  if (address->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)address;
    record[1] = ntohs(in6->sin6_port);
    record[2] = 6;
    record[4] = in6->sin6_scope_id;
    memcpy(record + 6, &in6->sin6_addr, 16);
  } else {
    const struct sockaddr_in *in = (const struct sockaddr_in *)address;
    record[1] = ntohs(in->sin_port);
    record[2] = 4;
    record[4] = 0;
    memcpy(record + 6, &in->sin_addr, 4);
    record[7] = record[8] = record[9] = 0;
  }
}

/** Calls JavaScript's batch callback with `count` (or -errno). */
static void deliver(Socket *socket, int count) {
  napi_env env = socket->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, argument, result;
  if (napi_get_reference_value(env, socket->on_batch, &callback) == napi_ok &&
      napi_get_global(env, &receiver) == napi_ok &&
      napi_create_int32(env, count, &argument) == napi_ok) {
    // make_callback, not call_function: what the callback queues (ticks, microtasks) runs after.
    napi_make_callback(env, socket->async_context, receiver, callback, 1, &argument, &result);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  Socket *socket = poll->data;
  if (status < 0) {
    deliver(socket, status);
    return;
  }
  if ((events & UV_WRITABLE) && socket->want_writable) {
    socket->want_writable = 0;
    uv_poll_start(&socket->poll, UV_READABLE, on_readable);
    deliver(socket, 0);
  }
  if (!(events & UV_READABLE)) return;
  for (int round = 0; round < READ_ROUNDS && socket->open; round++) {
    for (unsigned i = 0; i < socket->batch; i++) {
      struct msghdr *header = &socket->messages[i].msg_hdr;
      header->msg_name = &socket->from[i];
      header->msg_namelen = sizeof socket->from[i];
      header->msg_iov = &socket->vectors[i];
      header->msg_iovlen = 1;
      header->msg_control = NULL;
      header->msg_controllen = 0;
      header->msg_flags = 0;
    }
    int count = recvmmsg(socket->fd, socket->messages, socket->batch, MSG_DONTWAIT, NULL);
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) deliver(socket, -errno);
      return;
    }
    for (int i = 0; i < count; i++) {
      from_sockaddr(socket->records + i * RECORD_WORDS, &socket->from[i],
                    socket->messages[i].msg_len, socket->messages[i].msg_hdr.msg_flags);
    }
    deliver(socket, count);
    if ((unsigned)count < socket->batch) return;
  }
}

static void release(Socket *socket) {
  if (--socket->releases > 0) return;
  free(socket->messages);
  free(socket->vectors);
  free(socket->from);
  free(socket);
}

static void on_closed(uv_handle_t *handle) { release(handle->data); }

/** Stops watching, closes the descriptor and lets go of JavaScript's objects; once. */
static void close_socket(napi_env env, Socket *socket) {
  if (!socket->open) return;
  socket->open = 0;
  uv_poll_stop(&socket->poll);
  close(socket->fd);
  napi_delete_reference(env, socket->on_batch);
  napi_delete_reference(env, socket->inbox_ref);
  napi_delete_reference(env, socket->records_ref);
  napi_async_destroy(env, socket->async_context);
  napi_delete_reference(env, socket->self);
  uv_close((uv_handle_t *)&socket->poll, on_closed);
}

/** Only a closed socket is collected (an open one holds itself); it is freed once its handle is. */
static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release(data);
}

static Socket *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_RXGASE_NATIVE", "not an rxgase socket");
    return NULL;
  }
  return data;
}

/**
 * open(family, address: Uint32Array(4), port, receiveBufferSize, inbox: Uint8Array, records:
 * Uint32Array, slotSize, onBatch) → [socket, boundPort]
 */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, "ERR_RXGASE_NATIVE", "open takes eight arguments");
    return NULL;
  }
  uint32_t family, port, receive_buffer, slot_size;
  CHECK(napi_get_value_uint32(env, argv[0], &family));
  CHECK(napi_get_value_uint32(env, argv[2], &port));
  CHECK(napi_get_value_uint32(env, argv[3], &receive_buffer));
  CHECK(napi_get_value_uint32(env, argv[6], &slot_size));
  napi_typedarray_type type;
  size_t length, offset;
  void *address_words;
  napi_value arraybuffer;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &length, &address_words, &arraybuffer,
                                 &offset));
  void *inbox;
  size_t inbox_length;
  CHECK(napi_get_typedarray_info(env, argv[4], &type, &inbox_length, &inbox, &arraybuffer,
                                 &offset));
  void *records;
  size_t records_length;
  CHECK(napi_get_typedarray_info(env, argv[5], &type, &records_length, &records, &arraybuffer,
                                 &offset));
  if (slot_size == 0 || inbox_length / slot_size == 0 ||
      records_length < (inbox_length / slot_size) * RECORD_WORDS) {
    napi_throw_range_error(env, "ERR_RXGASE_NATIVE", "inbox and records do not match");
    return NULL;
  }

  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int size = (int)receive_buffer;
  if (size > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_storage local;
  socklen_t local_length = to_sockaddr(&local, family, address_words, port, 0);
  if (bind(fd, (struct sockaddr *)&local, local_length) < 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, "bind", error);
  }
  local_length = sizeof local;
  getsockname(fd, (struct sockaddr *)&local, &local_length);
  uint32_t bound_port = ntohs(local.ss_family == AF_INET6
                                  ? ((struct sockaddr_in6 *)&local)->sin6_port
                                  : ((struct sockaddr_in *)&local)->sin_port);

  unsigned batch = (unsigned)(inbox_length / slot_size);
  Socket *socket = calloc(1, sizeof *socket);
  if (socket != NULL) {
    socket->messages = calloc(batch, sizeof *socket->messages);
    socket->vectors = calloc(batch, sizeof *socket->vectors);
    socket->from = calloc(batch, sizeof *socket->from);
  }
  if (!socket || !socket->messages || !socket->vectors || !socket->from) {
    close(fd);
    if (socket != NULL) {
      free(socket->messages);
      free(socket->vectors);
      free(socket->from);
      free(socket);
    }
    return throw_errno(env, "calloc", ENOMEM);
  }
  socket->fd = fd;
  socket->family = family == 6 ? 6 : 4;
  socket->env = env;
  socket->inbox = inbox;
  socket->records = records;
  socket->slot_size = slot_size;
  socket->batch = batch;
  for (unsigned i = 0; i < batch; i++) {
    socket->vectors[i].iov_base = socket->inbox + (size_t)i * slot_size;
    socket->vectors[i].iov_len = slot_size;
  }
  CHECK(napi_create_reference(env, argv[7], 1, &socket->on_batch));
  CHECK(napi_create_reference(env, argv[4], 1, &socket->inbox_ref));
  CHECK(napi_create_reference(env, argv[5], 1, &socket->records_ref));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "rxgase:udp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &socket->async_context));

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init_socket(loop, &socket->poll, fd);
  socket->poll.data = socket;
  socket->open = 1;
  socket->releases = 2;
  uv_poll_start(&socket->poll, UV_READABLE, on_readable);

  napi_value external, result, port_value;
  CHECK(napi_create_external(env, socket, finalize, NULL, &external));
  CHECK(napi_create_reference(env, external, 1, &socket->self));
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_uint32(env, bound_port, &port_value));
  CHECK(napi_set_element(env, result, 0, external));
  CHECK(napi_set_element(env, result, 1, port_value));
  return result;
}

/**
 * send(socket, outbox: Uint8Array, records: Uint32Array, from, to) → the index of the first
 * datagram not sent (`to` when all went); `lastError()` tells why one was not.
 */
static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *socket = unwrap(env, argv[0]);
  if (socket == NULL) return NULL;
  napi_typedarray_type type;
  size_t length, offset, records_length;
  void *outbox, *records_data;
  napi_value arraybuffer;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &length, &outbox, &arraybuffer, &offset));
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &records_length, &records_data,
                                 &arraybuffer, &offset));
  uint32_t from, to;
  CHECK(napi_get_value_uint32(env, argv[3], &from));
  CHECK(napi_get_value_uint32(env, argv[4], &to));
  const uint32_t *records = records_data;
  if (to * RECORD_WORDS > records_length) to = (uint32_t)(records_length / RECORD_WORDS);

  struct mmsghdr messages[SEND_CHUNK];
  struct iovec vectors[SEND_CHUNK];
  struct sockaddr_storage targets[SEND_CHUNK];
  uint32_t next = from;
  last_errno = 0;
  while (socket->open && next < to) {
    unsigned chunk = to - next < SEND_CHUNK ? to - next : SEND_CHUNK;
    for (unsigned i = 0; i < chunk; i++) {
      const uint32_t *record = records + (size_t)(next + i) * RECORD_WORDS;
      if ((size_t)record[0] + record[1] > length) {
        last_errno = EFAULT;
        chunk = i;
        break;
      }
      vectors[i].iov_base = (uint8_t *)outbox + record[0];
      vectors[i].iov_len = record[1];
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_name = &targets[i];
      messages[i].msg_hdr.msg_namelen = to_sockaddr(&targets[i], record[3], record + 6, record[2],
                                                     record[4]);
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    if (chunk == 0) break;
    int sent = sendmmsg(socket->fd, messages, chunk, 0);
    if (sent < 0) {
      if (errno == EINTR) continue;
      last_errno = errno;
      break;
    }
    next += (uint32_t)sent;
    if ((unsigned)sent < chunk) {
      // The kernel stops at the first datagram it refused; asking again for it tells why.
      int again = sendmmsg(socket->fd, messages + sent, 1, 0);
      if (again == 1) {
        next++;
        continue;
      }
      last_errno = errno;
      break;
    }
    if (last_errno != 0) break;
  }
  if (!socket->open && next < to) last_errno = EBADF;
  napi_value result;
  CHECK(napi_create_uint32(env, next, &result));
  return result;
}

/** awaitWritable(socket): the batch callback is called with 0 once the socket can send again. */
static napi_value await_writable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *socket = unwrap(env, argv[0]);
  if (socket == NULL || !socket->open || socket->want_writable) return NULL;
  socket->want_writable = 1;
  uv_poll_start(&socket->poll, UV_READABLE | UV_WRITABLE, on_readable);
  return NULL;
}

/** lastError() → the errno of the datagram the last send stopped at, or 0. */
static napi_value last_error(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, last_errno, &result));
  return result;
}

/** close(socket): stops reading, closes the descriptor; a second close does nothing. */
static napi_value close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *socket = unwrap(env, argv[0]);
  if (socket == NULL) return NULL;
  close_socket(env, socket);
  return NULL;
}

/** ref(socket, bool): whether the open socket keeps the process alive (it does by default). */
static napi_value ref_js(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *socket = unwrap(env, argv[0]);
  if (socket == NULL) return NULL;
  bool keep;
  CHECK(napi_get_value_bool(env, argv[1], &keep));
  if (!socket->open) return NULL;
  if (keep) uv_ref((uv_handle_t *)&socket->poll);
  else uv_unref((uv_handle_t *)&socket->poll);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"awaitWritable", NULL, await_writable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastError", NULL, last_error, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ref", NULL, ref_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0],
                               properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
