import { atPath, pathTo } from '../../lib/util/valuePath';

describe('pathTo', () => {
  const leaf = (): number => 1;

  it('names nothing for the outermost value', () => {
    expect(pathTo([], leaf)).toBe('');
    expect(atPath('')).toBe('');
  });

  it('names map keys with dots and array items with brackets', () => {
    const inner = [0, leaf];
    const middle = { pos: inner };
    const outer = { players: middle };
    expect(pathTo([outer, middle, inner], leaf)).toBe('players.pos[1]');
    expect(atPath('players.pos[1]')).toBe(' at players.pos[1]');
  });

  it('quotes keys that are not identifiers', () => {
    const inner = { 'new bar': leaf };
    const outer = [inner];
    expect(pathTo([outer, inner], leaf)).toBe('[0]["new bar"]');
    expect(pathTo([inner], leaf)).toBe('["new bar"]');
  });

  it('finds an undefined in a hole', () => {
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is tested
    expect(pathTo([[1, , 3]], undefined)).toBe('[1]');
  });

  it('names the first place of a value that occurs twice', () => {
    const shared = { x: leaf };
    const outer = { a: shared, b: shared };
    expect(pathTo([outer, shared], leaf)).toBe('a.x');
  });

  it('ends at the container when the value is not one of its entries (a key was refused)', () => {
    const inner = { ok: 1 };
    const outer = { inner };
    expect(pathTo([outer, inner], 'a key')).toBe('inner');
    expect(pathTo([[1, 2]], 'missing')).toBe('');
  });
});
