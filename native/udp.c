/*
 * rxgase's native UDP socket, for Linux: the socket a server takes datagrams in with recvmmsg, a
 * batch at a time, and sends them out with sendmmsg, all a turn of the event loop sent in one
 * system call. node:dgram reads and writes one datagram for each system call and calls into
 * JavaScript for each; on a machine where a system call costs a microsecond, that is most of what
 * a busy game server does. This file is the module: it opens, closes and frees the socket;
 * receive.c reads it and send.c writes it.
 *
 * JavaScript owns the memory both ways: an inbox the datagrams are read into, in fixed slots, with
 * a record of ten 32-bit words for each, and an outbox the datagrams to send are copied into, with
 * a record for each (see receive.c and send.c for the words). Addresses are in network order, as
 * the kernel has them; an IPv4 one fills the first of its four words.
 *
 * The socket is watched with a uv_poll_t on Node's own event loop, and JavaScript is called once
 * for each batch read with its count, or with -errno when the read failed. A send the kernel had
 * no room for (EAGAIN, a send buffer full on a slow link) stops there: JavaScript keeps the rest
 * and calls `awaitWritable`, and is called with 0 once there is room. `pauseReading` stops the
 * reading for a while, and resumes it.
 */
#include "udp.h"

/** Throws an Error whose message is the system call and whose code is the errno, in decimal:
 * JavaScript makes of it the error node:dgram would give (`bind EADDRINUSE 127.0.0.1:8080`). */
static napi_value throw_errno(napi_env env, const char *syscall, int error) {
  char code[16];
  snprintf(code, sizeof code, "%d", error);
  napi_throw_error(env, code, syscall);
  return NULL;
}

static void release(Socket *socket) {
  if (--socket->releases > 0) return;
  free(socket->messages);
  free(socket->vectors);
  free(socket->from);
  free(socket);
}

static void on_closed(uv_handle_t *handle) {
  Socket *socket = handle->data;
  if (socket->cleanup != NULL) {
    // Says to Node that a worker's ending need not wait for this socket any more.
    napi_remove_async_cleanup_hook(socket->cleanup);
    socket->cleanup = NULL;
  }
  release(socket);
}

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

/**
 * The environment the socket was opened in ends (a worker thread terminated, or the process
 * exits) with the socket open: it is closed, or the thread's loop could not close.
 */
static void on_environment_ending(napi_async_cleanup_hook_handle handle, void *data) {
  Socket *socket = data;
  (void)handle;
  close_socket(socket->env, socket);
}

/** Only a closed socket is collected (an open one holds itself); it is freed once its handle is. */
static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release(data);
}

Socket *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_RXGASE_NATIVE", "not an rxgase socket");
    return NULL;
  }
  return data;
}

Socket *socket_argument(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, "ERR_RXGASE_NATIVE", "napi_get_cb_info failed");
    return NULL;
  }
  // A missing argument reads as undefined, which is no socket either.
  return unwrap(env, argv[0]);
}

/**
 * open(family, address: Uint32Array(4), port, receiveBufferSize, inbox: Uint8Array, records:
 * Uint32Array, slotSize, onBatch, scope) → [socket, boundPort]
 */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) {
    napi_throw_type_error(env, "ERR_RXGASE_NATIVE", "open takes nine arguments");
    return NULL;
  }
  uint32_t family, port, receive_buffer, slot_size, scope;
  CHECK(napi_get_value_uint32(env, argv[0], &family));
  CHECK(napi_get_value_uint32(env, argv[2], &port));
  CHECK(napi_get_value_uint32(env, argv[3], &receive_buffer));
  CHECK(napi_get_value_uint32(env, argv[6], &slot_size));
  CHECK(napi_get_value_uint32(env, argv[8], &scope));
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
      records_length < (inbox_length / slot_size) * RECORD_WORDS || length < 4 ||
      (family != 4 && family != 6)) {
    napi_throw_range_error(env, "ERR_RXGASE_NATIVE", "open's arguments do not match");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));

  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int size = (int)receive_buffer;
  if (size > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_storage local;
  socklen_t local_length = to_sockaddr(&local, family, address_words, port, scope);
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
  int stage = 0;
  if (!socket || !socket->messages || !socket->vectors || !socket->from) goto no_memory;
  socket->fd = fd;
  socket->family = (int)family;
  socket->env = env;
  socket->inbox = inbox;
  socket->records = records;
  socket->slot_size = slot_size;
  socket->batch = batch;
  for (unsigned i = 0; i < batch; i++) {
    socket->vectors[i].iov_base = socket->inbox + (size_t)i * slot_size;
    socket->vectors[i].iov_len = slot_size;
  }
  napi_value name;
  if (napi_create_reference(env, argv[7], 1, &socket->on_batch) != napi_ok) goto failed;
  stage = 1;
  if (napi_create_reference(env, argv[4], 1, &socket->inbox_ref) != napi_ok) goto failed;
  stage = 2;
  if (napi_create_reference(env, argv[5], 1, &socket->records_ref) != napi_ok) goto failed;
  stage = 3;
  if (napi_create_string_utf8(env, "rxgase:udp", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &socket->async_context) != napi_ok) {
    goto failed;
  }
  stage = 4;
  int polled = uv_poll_init_socket(loop, &socket->poll, fd);
  if (polled < 0) {
    napi_async_destroy(env, socket->async_context);
    goto failed;
  }
  socket->poll.data = socket;
  socket->open = 1;
  socket->releases = 2;
  uv_poll_start(&socket->poll, UV_READABLE, on_readable);
  // From here on, close_socket undoes what open did.
  napi_add_async_cleanup_hook(env, on_environment_ending, socket, &socket->cleanup);

  napi_value external, result, port_value;
  if (napi_create_external(env, socket, finalize, NULL, &external) != napi_ok) {
    // Not collected, so freed once its handle is closed: the one release left.
    socket->releases = 1;
    close_socket(env, socket);
    napi_throw_error(env, "ERR_RXGASE_NATIVE", "napi_create_external failed");
    return NULL;
  }
  CHECK(napi_create_reference(env, external, 1, &socket->self));
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_uint32(env, bound_port, &port_value));
  CHECK(napi_set_element(env, result, 0, external));
  CHECK(napi_set_element(env, result, 1, port_value));
  return result;

failed:
  if (stage >= 3) napi_delete_reference(env, socket->records_ref);
  if (stage >= 2) napi_delete_reference(env, socket->inbox_ref);
  if (stage >= 1) napi_delete_reference(env, socket->on_batch);
no_memory:
  close(fd);
  if (socket != NULL) {
    free(socket->messages);
    free(socket->vectors);
    free(socket->from);
    free(socket);
  }
  return throw_errno(env, stage == 0 && socket == NULL ? "calloc" : "open", ENOMEM);
}

/** close(socket): stops reading, closes the descriptor; a second close does nothing. */
static napi_value close_js(napi_env env, napi_callback_info info) {
  Socket *socket = socket_argument(env, info);
  if (socket == NULL) return NULL;
  close_socket(env, socket);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"awaitWritable", NULL, await_writable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pauseReading", NULL, pause_reading, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastError", NULL, last_error, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"interfaceName", NULL, interface_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"interfaceIndex", NULL, interface_index, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0],
                               properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
