/*
 * Writing rxgase's native UDP socket: the datagrams JavaScript copied into its outbox, each with a
 * record (offset, length, port, family, IPv6 scope, -, four words of address), go out with
 * sendmmsg, SEND_CHUNK to a call.
 */
#include "udp.h"

/** Fills `address` from a family (4 or 6), four words of address, a port and an IPv6 scope. */
socklen_t to_sockaddr(struct sockaddr_storage *address, uint32_t family,
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

/**
 * send(socket, outbox: Uint8Array, records: Uint32Array, from, to) → the index of the first
 * datagram not sent (`to` when all went); `lastError()` tells why one was not.
 */
napi_value send_batch(napi_env env, napi_callback_info info) {
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
  socket->last_errno = 0;
  while (socket->open && next < to) {
    unsigned chunk = to - next < SEND_CHUNK ? to - next : SEND_CHUNK;
    for (unsigned i = 0; i < chunk; i++) {
      const uint32_t *record = records + (size_t)(next + i) * RECORD_WORDS;
      if ((size_t)record[0] + record[1] > length) {
        socket->last_errno = EFAULT;
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
      socket->last_errno = errno;
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
      socket->last_errno = errno;
      break;
    }
    if (socket->last_errno != 0) break;
  }
  if (!socket->open && next < to) socket->last_errno = EBADF;
  napi_value result;
  CHECK(napi_create_uint32(env, next, &result));
  return result;
}

/** awaitWritable(socket): the batch callback is called with 0 once the socket can send again. */
napi_value await_writable(napi_env env, napi_callback_info info) {
  Socket *socket = socket_argument(env, info);
  if (socket == NULL || !socket->open || socket->want_writable) return NULL;
  socket->want_writable = 1;
  watch(socket);
  return NULL;
}

/** lastError(socket) → the errno of the datagram its last send stopped at, or 0. */
napi_value last_error(napi_env env, napi_callback_info info) {
  Socket *socket = socket_argument(env, info);
  if (socket == NULL) return NULL;
  napi_value result;
  CHECK(napi_create_int32(env, socket->last_errno, &result));
  return result;
}

/** interfaceName(index) → the network interface's name ("eth0"), or undefined if there is none. */
napi_value interface_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t index;
  CHECK(napi_get_value_uint32(env, argv[0], &index));
  char name[IF_NAMESIZE];
  napi_value result;
  if (if_indextoname(index, name) == NULL) {
    CHECK(napi_get_undefined(env, &result));
  } else {
    CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  }
  return result;
}

/** interfaceIndex(name) → the network interface's number, or 0 if there is none of that name. */
napi_value interface_index(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IF_NAMESIZE + 1];
  size_t length;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length));
  napi_value result;
  CHECK(napi_create_uint32(env, length < IF_NAMESIZE ? if_nametoindex(name) : 0, &result));
  return result;
}
