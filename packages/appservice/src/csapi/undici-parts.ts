/**
 * The parts of undici the transport uses, loaded from their own files. undici's index loads all
 * of it (fetch, WebSocket, EventSource, caches, mocks: 95 modules against 32 here), about 60 ms
 * of CPU at a start without a bundle and 10–20 ms with one (issue 13). undici is pinned to ~6.29
 * in package.json; undici-parts.test.ts fails if these files stop being what the index exports.
 */
import type { Dispatcher as UndiciDispatcher, errors as UndiciErrors, Pool as UndiciPool } from 'undici';

export const Pool = require('undici/lib/dispatcher/pool') as typeof UndiciPool;
export const undiciErrors = require('undici/lib/core/errors') as typeof UndiciErrors;

// What undici's index does on load: the request/stream/pipeline/connect/upgrade methods are put
// on Dispatcher.prototype there (the same functions, so doing it twice changes nothing).
const Dispatcher = require('undici/lib/dispatcher/dispatcher') as typeof UndiciDispatcher;
Object.assign(Dispatcher.prototype, require('undici/lib/api') as object);
