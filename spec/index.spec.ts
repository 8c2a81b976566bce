import * as rxgase from '../lib/index';

describe('the public API', () => {
  it('exports every name it documents, and nothing unnamed', () => {
    expect(Object.keys(rxgase).sort()).toEqual(
      [
        'ACK_BITFIELD_SIZE',
        'DecodeError',
        'GameStatus',
        'HEADER_SIZE',
        'InvalidStateError',
        'MAX_PACKAGE_SIZE',
        'MAX_SEQUENCE',
        'MalformedPayloadError',
        'PROTOCOL_ID',
        'PackageOverflowError',
        'ProtocolIdMismatchError',
        'Replacement',
        'RxgaseError',
        'SequenceRangeError',
        'TO_DELETE',
        'TruncatedDatagramError',
        'UnencodableValueError',
        'acknowledges',
        'applyUpdate',
        'createGameState',
        'decodeClientPackage',
        'decodePackage',
        'decodeServerPackage',
        'encodeClientPackage',
        'encodeEvent',
        'encodePackage',
        'encodeServerPackage',
        'isGameStatus',
        'isNewer',
        'isPaused',
        'isToDelete',
        'mergeUpdates',
        'readHeader',
        'sqnAdd',
        'sqnBack',
        'sqnDiff',
        'toSqn',
        'writeHeader',
        'AckTimeoutError',
        'ConnectionClosedError',
        'addressKey',
        'DEFAULT_RECEIVE_BUFFER_SIZE',
        'bindUdp',
        'DEFAULT_WEBSOCKET_BUFFER_LIMIT',
        'listenWebSocket',
        'webSocketClientTransport',
        'mergeTransports',
        'MemoryNetwork',
        'DISCOVERY_GROUP',
        'DISCOVERY_PORT',
        'MAX_DISCOVERY_SIZE',
        'decodeDiscovery',
        'encodeDiscoveryAnswer',
        'encodeDiscoveryRequest',
        'discover',
        'answerDiscovery',
        'simulateNetwork',
        'seededRandom',
        'decodePackages',
        'EMPTY_WINDOW',
        'receiveSequence',
        'trackReceived',
        'PACKAGE_TIMEOUT_MS',
        'resolveAcks',
        'LATENCY_SMOOTHING',
        'smoothLatency',
        'CONGESTION',
        'avoidCongestion',
        'initialThrottle',
        'throttleStep',
        'URGENT_GAP_DIVISOR',
        'paceSends',
        'CONNECTION_TIMEOUT_MS',
        'whenSilent',
        'Connection',
        'ConnectionStatus',
        'clientPackages',
        'plainPackages',
        'InvalidArgumentError',
        'silentLogger',
        'diffStates',
        'diffFromAny',
        'GameStateStore',
        'UPDATE_CACHE_SIZE',
        'GameStateMachine',
        'WaitTimeoutError',
        'Server',
        'serverPackages',
        'Client',
        'DEFAULT_WAIT_MS',
        'Backend',
        'connectTo',
        'EventHandlers',
        'SHUTDOWN_WORD',
      ].sort(),
    );
  });

  it('gives every error class its own stable code', () => {
    const errors = [
      new rxgase.ProtocolIdMismatchError('x'),
      new rxgase.TruncatedDatagramError('x'),
      new rxgase.MalformedPayloadError('x'),
      new rxgase.PackageOverflowError('x'),
      new rxgase.UnencodableValueError('x'),
      new rxgase.SequenceRangeError('x'),
      new rxgase.InvalidStateError('x'),
      new rxgase.AckTimeoutError('x'),
      new rxgase.ConnectionClosedError('x'),
      new rxgase.InvalidArgumentError('x'),
      new rxgase.WaitTimeoutError('x'),
    ];
    expect(new Set(errors.map((e) => e.code)).size).toBe(errors.length);
    for (const error of errors) {
      expect(error).toBeInstanceOf(rxgase.RxgaseError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('has PyGaSe protocol constants', () => {
    expect(Buffer.from(rxgase.PROTOCOL_ID).toString('hex')).toBe('ffd0fab9');
    expect(rxgase.MAX_PACKAGE_SIZE).toBe(2048);
    expect(rxgase.HEADER_SIZE).toBe(12);
    expect(rxgase.MAX_SEQUENCE).toBe(65535);
    expect(rxgase.ACK_BITFIELD_SIZE).toBe(32);
  });
});
