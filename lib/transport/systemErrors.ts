import { getSystemErrorName } from 'node:util';

/** Whether `port` is one a datagram can go to. */
export function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port <= 65535;
}

/** The error node:dgram would give for a refused system call, with the same fields. */
export function systemError(syscall: string, errno: number, host?: string, port?: number): Error {
  const code = getSystemErrorName(-errno);
  const where = host === undefined ? '' : ` ${host}:${port}`;
  return Object.assign(new Error(`${syscall} ${code}${where}`), {
    code,
    errno: -errno,
    syscall,
    ...(host === undefined ? {} : { address: host, port }),
  });
}

/** The error node:dgram throws for a port out of range. */
export function badPort(port: number): Error {
  const received = typeof port === 'number' ? `type number (${port})` : String(port);
  return Object.assign(new RangeError(`Port should be > 0 and < 65536. Received ${received}.`), {
    code: 'ERR_SOCKET_BAD_PORT',
  });
}

/** The error node:dgram throws for a host that is not a string. */
export function badHost(host: unknown): Error {
  return Object.assign(
    new TypeError(`The "address" argument must be of type string. Received ${typeof host}`),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}
