// Granularity warnings: a Restricted Key row allows more than the job needs,
// and the key cannot be made narrower. The EgressPolicy closes the gap by
// allowing only the operations the chosen use cases use.
import type { Grade } from './evidence.ts';
import type { Level } from './permissions.ts';

export interface Granularity {
  row: string;
  level: Level;
  text: string;
  evidence: readonly Grade[];
}

export const GRANULARITY: readonly Granularity[] = [
  {
    row: 'charge',
    level: 'write',
    text: 'Charges and refunds W also allows creating and capturing charges (POST /v1/charges): the key cannot allow refunds alone',
    evidence: ['S', 'P'],
  },
  {
    row: 'dispute',
    level: 'write',
    text: 'Disputes W also allows closing a dispute, which accepts the loss (POST /v1/disputes/{id}/close)',
    evidence: ['inferred'],
  },
  { row: 'customer', level: 'write', text: 'Customers W probably also allows customer balance credits and deleting customers', evidence: ['inferred'] },
  { row: 'subscription', level: 'write', text: 'Subscriptions W also allows creating subscriptions that charge customers', evidence: ['S'] },
  {
    row: 'invoice',
    level: 'write',
    text: "Invoices W also allows paying invoices from customers' saved payment methods and voiding them",
    evidence: ['inferred'],
  },
  {
    row: 'connected_account',
    level: 'write',
    text: "Connected accounts W probably also allows changing a connected account's external (payout) bank account",
    evidence: ['inferred'],
  },
  { row: 'file', level: 'write', text: 'Files W also reads every file on the account, including dispute evidence and reports', evidence: ['inferred'] },
  { row: 'plan', level: 'write', text: 'Plans and prices W also grants Products', evidence: ['S'] },
  { row: 'report_runs_and_report_types', level: 'read', text: 'Report runs and report types R also creates report runs', evidence: ['S'] },
  {
    row: 'checkout_session',
    level: 'write',
    text: 'Checkout sessions W also reads payment intents, setup intents, mandates, payment links and products',
    evidence: ['S'],
  },
  { row: 'issuing_card', level: 'write', text: 'Issuing cards W also retrieves full card numbers and CVCs of virtual cards', evidence: ['S'] },
  { row: 'api_key', level: 'write', text: 'API keys W can create keys with any permission: it is every permission', evidence: ['P'] },
];
