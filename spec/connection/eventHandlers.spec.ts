import { EventHandlers, pygaseHandler } from '../../lib/connection/eventHandlers';
import type { HandlerError } from '../../lib/connection/eventHandlers';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { silentLogger } from '../../lib/util/logger';

describe('EventHandlers', () => {
  it('calls the handler with the payload, and the context with the args beside it', () => {
    const handlers = new EventHandlers<(...args: unknown[]) => void>();
    const calls: unknown[][] = [];
    handlers.register('MOVE', (...args) => calls.push(args));
    handlers.handle(
      { type: 'MOVE', args: ['ann', 3], kwargs: { speed: 2, clientAddress: 'mine' } },
      { clientAddress: 'x' },
    );
    handlers.handle({ type: 'OTHER', args: [], kwargs: {} });
    expect(calls).toEqual([
      [
        { speed: 2, clientAddress: 'mine' },
        { clientAddress: 'x', args: ['ann', 3] },
      ],
    ]);
  });

  it('calls a pygaseHandler with the args, then the kwargs merged with the context', () => {
    const handlers = new EventHandlers<(...args: never[]) => unknown>();
    const calls: unknown[][] = [];
    handlers.register(
      'MOVE',
      pygaseHandler((...args: unknown[]) => calls.push(args)),
    );
    handlers.handle(
      { type: 'MOVE', args: ['ann', 3], kwargs: { speed: 2 } },
      { clientAddress: 'x' },
    );
    expect(calls).toEqual([['ann', 3, { speed: 2, clientAddress: 'x' }]]);
  });

  it('reports an event whose kwarg a pygaseHandler would lose to the context, and calls nothing', () => {
    const handlers = new EventHandlers<(...args: never[]) => unknown>();
    const errors: HandlerError[] = [];
    handlers.errors$.subscribe((e) => errors.push(e));
    let calls = 0;
    handlers.register(
      'MOVE',
      pygaseHandler(() => calls++),
    );
    handlers.handle(
      { type: 'MOVE', args: [], kwargs: { clientAddress: 'y' } },
      { clientAddress: 'x' },
    );
    expect(calls).toBe(0);
    expect(errors).toEqual([{ type: 'MOVE', error: expect.any(InvalidArgumentError) }]);
    expect(() => pygaseHandler('nope' as never)).toThrow(InvalidArgumentError);
  });

  it('replaces a handler registered again, and refuses one that is not a function', () => {
    const handlers = new EventHandlers<() => string>();
    handlers.register('A', () => 'first');
    handlers.register('A', () => 'second');
    expect(handlers.get('A')?.()).toBe('second');
    expect(() => handlers.register('B', 'nope' as never)).toThrow(InvalidArgumentError);
    expect(() => handlers.register('B', 'nope' as never)).toThrow(/must be a function, got string/);
  });

  it('reports a handler that throws on errors$ and the log, and goes on', () => {
    const logged: string[] = [];
    const handlers = new EventHandlers<() => void>(
      { ...silentLogger, error: (message) => logged.push(message) },
      'server',
    );
    const errors: HandlerError[] = [];
    handlers.errors$.subscribe((e) => errors.push(e));
    handlers.register('BAD', () => {
      throw new Error('boom');
    });
    expect(() => handlers.handle({ type: 'BAD', args: [], kwargs: {} })).not.toThrow();
    expect(errors).toEqual([{ type: 'BAD', error: new Error('boom') }]);
    expect(logged).toEqual(['The BAD handler threw; the server goes on.']);
  });
});
