import { BridgeError } from '../errors/bridge-error';
import { holdsRoom } from './hold';

/** A driver's error as node-postgres throws it: an Error with a code, no `retriable` flag. */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('holdsRoom', () => {
  it.each([
    ['a refused connection (the database restarting)', driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['the server shutting down (57P01)', driverError('terminating connection due to administrator command', '57P01')],
    ['a connection exception (class 08)', driverError('connection failure', '08006')],
    ['a connection that ended under a query', driverError('Connection terminated unexpectedly')],
    ['a broken connection used again', driverError('Client has encountered a connection error and is not queryable')],
  ])('holds the room through %s', (_what, err) => {
    expect(holdsRoom(err)).toBe(true);
  });

  it.each([
    ['a constraint violation', driverError('duplicate key value violates unique constraint', '23505')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a permanent BridgeError', new BridgeError('EVENT_UNSUPPORTED', 'no')],
  ])('gives up at once on %s', (_what, err) => {
    expect(holdsRoom(err)).toBe(false);
  });
});
