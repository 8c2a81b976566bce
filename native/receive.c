/*
 * Reading rxgase's native UDP socket: readable, it is read with recvmmsg, a batch of datagrams into
 * the inbox's slots at a time, each with its record (length, port, family, flags, IPv6 scope, -,
 * four words of address), until it would block or for at most READ_ROUNDS batches, so that timers
 * are not starved; JavaScript is called once for each batch. JavaScript may pause the reading
 * (`pauseReading`) as it takes a batch, to read again in a while what comes meanwhile, many at a
 * time: the batches of that readiness are read all the same.
 */
#include "udp.h"

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
    napi_status status =
        napi_make_callback(env, socket->async_context, receiver, callback, 1, &argument, &result);
    // What the callback threw goes where Node's own callbacks' errors go (uncaughtException), as
    // node:dgram's would: left pending, it would silence every later batch.
    if (status == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

void on_readable(uv_poll_t *poll, int status, int events) {
  Socket *socket = poll->data;
  if (status < 0) {
    deliver(socket, status);
    return;
  }
  if ((events & UV_WRITABLE) && socket->want_writable) {
    socket->want_writable = 0;
    watch(socket);
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

void watch(Socket *socket) {
  if (!socket->open) return;
  int events = (socket->paused ? 0 : UV_READABLE) | (socket->want_writable ? UV_WRITABLE : 0);
  if (events == 0) {
    uv_poll_stop(&socket->poll);
  } else {
    uv_poll_start(&socket->poll, events, on_readable);
  }
}

/**
 * pauseReading(socket, paused): while paused, the socket is not read, and its datagrams wait in
 * its receive buffer (a send waiting for room is still told of it); resumed, what waits is read at
 * once.
 */
napi_value pause_reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_RXGASE_NATIVE", "pauseReading(socket, paused)");
    return NULL;
  }
  Socket *socket = unwrap(env, argv[0]);
  if (socket == NULL) return NULL;
  bool paused;
  CHECK(napi_get_value_bool(env, argv[1], &paused));
  if (socket->paused == (int)paused) return NULL;
  socket->paused = paused;
  watch(socket);
  return NULL;
}
