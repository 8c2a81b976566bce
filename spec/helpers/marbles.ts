import { TestScheduler } from 'rxjs/testing';

/** A fresh TestScheduler that compares with Jest's deep equality, as RxJS's own specs do. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
