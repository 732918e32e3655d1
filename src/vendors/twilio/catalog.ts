// Twilio operations keybrake knows by name (paths from twilio-node
// src/rest/api/v2010/account/*.ts). `billable` marks operations that cost
// money: they need a cost model in cost.ts or are refused. Anything not
// listed is an unknown operation, denied unless a rule allows it by method
// and path.
//
// Twilio paths end in a format suffix (`Messages.json`; `.xml` or none also
// work), so matching strips the suffix of the last segment first: a message
// created at `/Messages` or `/Messages.xml` is still `messages.create`.
import type { Operation, OperationDef } from '../pack.ts';
import { compileCatalog } from '../paths.ts';

type Method = 'GET' | 'POST' | 'DELETE';

const ACCOUNT = '/2010-04-01/Accounts/{AccountSid}';

function op(id: string, method: Method, path: string, billable = false): OperationDef {
  return { id, method, path: `${ACCOUNT}${path}.json`, billable };
}

/** list (GET) + create (POST) on a collection, retrieve/update/delete on its members. */
function resource(name: string, collection: string, verbs: Array<'list' | 'create' | 'retrieve' | 'update' | 'delete'>): OperationDef[] {
  const paths = {
    list: ['GET', `/${collection}`],
    create: ['POST', `/${collection}`],
    retrieve: ['GET', `/${collection}/{Sid}`],
    update: ['POST', `/${collection}/{Sid}`],
    delete: ['DELETE', `/${collection}/{Sid}`],
  } as const;
  return verbs.map((verb) => op(`${name}.${verb}`, paths[verb][0], paths[verb][1]));
}

export const TWILIO_OPERATIONS: readonly OperationDef[] = [
  op('messages.create', 'POST', '/Messages', true),
  // Starts, hangs up or redirects a call; redirecting to new TwiML can dial out.
  op('calls.create', 'POST', '/Calls', true),
  op('calls.update', 'POST', '/Calls/{Sid}', true),
  // Buying a phone number is a monthly charge keybrake does not price: refused.
  op('incoming_phone_numbers.create', 'POST', '/IncomingPhoneNumbers', true),
  op('accounts.retrieve', 'GET', ''),
  op('balance.retrieve', 'GET', '/Balance'),
  ...resource('messages', 'Messages', ['list', 'retrieve', 'update', 'delete']),
  op('messages.media.list', 'GET', '/Messages/{MessageSid}/Media'),
  op('messages.media.retrieve', 'GET', '/Messages/{MessageSid}/Media/{Sid}'),
  ...resource('calls', 'Calls', ['list', 'retrieve', 'delete']),
  op('calls.recordings.list', 'GET', '/Calls/{CallSid}/Recordings'),
  ...resource('recordings', 'Recordings', ['list', 'retrieve']),
  ...resource('incoming_phone_numbers', 'IncomingPhoneNumbers', ['list', 'retrieve']),
  op('usage.records.list', 'GET', '/Usage/Records'),
];

const FORMAT_SUFFIX = /\.[A-Za-z]+$/;

const identifyStripped = compileCatalog(TWILIO_OPERATIONS.map((def) => ({ ...def, path: def.path.replace(FORMAT_SUFFIX, '') })));

export function identifyTwilio(method: string, path: string): Operation {
  return identifyStripped(method, path.replace(FORMAT_SUFFIX, ''));
}
