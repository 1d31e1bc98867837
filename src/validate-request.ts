/**
 * Checks a CompletionRequest before any provider sees it: everything an adapter reads. A malformed
 * request fails fast with a ConfigError naming the field (`request.messages[0].content[0].type`),
 * so it never reaches a breaker, is never retried and never fails over. Plain loops, no closures:
 * this runs on every call.
 * @module
 */
import { describe } from './breaker/options.js';
import { didYouMeanHint } from './did-you-mean.js';
import { ConfigError } from './errors/config-error.js';
import type { CompletionRequest, Message } from './types.js';

const ROLES: ReadonlySet<unknown> = new Set(['system', 'user', 'assistant', 'tool']);
const REQUEST_KEYS: ReadonlySet<string> = new Set([
  'messages', 'system', 'tools', 'toolChoice', 'responseFormat', 'temperature', 'maxTokens', 'topP', 'stop', 'model',
]);
/** Providers' own field names, as a caller used to their SDK writes them. */
const REQUEST_ALIASES: Readonly<Record<string, string>> = {
  max_completion_tokens: 'maxTokens',
  stop_sequences: 'stop',
  response_format: 'responseFormat',
  tool_choice: 'toolChoice',
};
const TOOL_CHOICES: ReadonlySet<unknown> = new Set(['auto', 'none', 'required']);
const FORMAT_TYPES: ReadonlySet<unknown> = new Set(['text', 'json', 'json_schema']);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function fail(field: string, problem: string): never {
  throw new ConfigError(`request.${field}`, problem);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function notString(v: unknown, nonEmpty = false): boolean {
  return typeof v !== 'string' || (nonEmpty && v === '');
}

function failString(field: string, v: unknown, nonEmpty = false): never {
  return fail(field, `must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describe(v)}`);
}

function checkString(v: unknown, field: string, nonEmpty = false): void {
  if (notString(v, nonEmpty)) failString(field, v, nonEmpty);
}

function checkOptionalString(v: unknown, field: string): void {
  if (v !== undefined) checkString(v, field);
}

function checkNumber(v: unknown, field: string, min: number, max: number, int: boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    fail(field, `must be ${int ? 'an integer' : 'a number'} from ${min} to ${max}, got ${describe(v)}`);
  }
}

/** A JSON Schema object: an object (we never interpret it further). */
function checkSchema(v: unknown, field: string): void {
  if (!isRecord(v)) fail(field, `must be a JSON Schema object, got ${describe(v)}`);
}

// Paths are built only when a check fails: the valid request (every call) allocates no strings.
function messagePath(i: number): string {
  return `messages[${i}]`;
}

function partPath(i: number, j: number): string {
  return `messages[${i}].content[${j}]`;
}

function checkPart(part: unknown, i: number, j: number): void {
  if (!isRecord(part)) fail(partPath(i, j), `must be a content part ({ type: 'text', text } or { type: 'image', url | data }), got ${describe(part)}`);
  if (part.type === 'text') {
    if (notString(part.text)) failString(`${partPath(i, j)}.text`, part.text);
  } else if (part.type === 'image') {
    const { url, data, mediaType } = part;
    if (url === undefined && data === undefined) fail(partPath(i, j), 'an image part needs `url` or `data`');
    if (url !== undefined && data !== undefined) fail(partPath(i, j), 'an image part takes `url` or `data`, not both');
    if (url !== undefined && notString(url)) failString(`${partPath(i, j)}.url`, url);
    if (data !== undefined && notString(data)) failString(`${partPath(i, j)}.data`, data);
    if (mediaType !== undefined && notString(mediaType)) failString(`${partPath(i, j)}.mediaType`, mediaType);
  } else {
    fail(`${partPath(i, j)}.type`, `must be 'text' or 'image', got ${describe(part.type)}`);
  }
}

function checkToolCalls(calls: unknown, i: number): void {
  if (calls === undefined) return;
  if (!Array.isArray(calls)) fail(`${messagePath(i)}.toolCalls`, `must be an array of tool calls ({ id, name, arguments }), got ${describe(calls)}`);
  for (let j = 0; j < calls.length; j++) {
    const c: unknown = calls[j];
    if (!isRecord(c)) fail(`${messagePath(i)}.toolCalls[${j}]`, `must be a tool call ({ id, name, arguments }), got ${describe(c)}`);
    if (notString(c.id, true)) failString(`${messagePath(i)}.toolCalls[${j}].id`, c.id, true);
    if (notString(c.name, true)) failString(`${messagePath(i)}.toolCalls[${j}].name`, c.name, true);
    if (notString(c.arguments)) failString(`${messagePath(i)}.toolCalls[${j}].arguments`, c.arguments);
  }
}

/** A provider's own spelling of a message field, silently ignored by the adapters if let through. */
const MESSAGE_ALIASES: Readonly<Record<string, string>> = { tool_calls: 'toolCalls', tool_call_id: 'toolCallId', is_error: 'isError' };

function checkMessage(m: Message, i: number): void {
  if (!isRecord(m)) fail(messagePath(i), `must be an object, got ${describe(m)}`);
  if (!ROLES.has(m.role)) fail(`${messagePath(i)}.role`, `must be system, user, assistant or tool, got ${describe(m.role)}`);
  if ('tool_calls' in m || 'tool_call_id' in m || 'is_error' in m) {
    for (const k in MESSAGE_ALIASES) if (k in m) fail(`${messagePath(i)}.${k}`, `is not a message field; did you mean ${MESSAGE_ALIASES[k]}?`);
  }
  switch (m.role) {
    case 'user': {
      const { content } = m;
      if (typeof content === 'string') return;
      if (!Array.isArray(content)) fail(`${messagePath(i)}.content`, `must be a string or an array of parts, got ${describe(content)}`);
      for (let j = 0; j < content.length; j++) checkPart(content[j], i, j);
      return;
    }
    case 'system':
      if (notString(m.content)) failString(`${messagePath(i)}.content`, m.content);
      return;
    case 'tool':
      if (notString(m.toolCallId, true)) fail(`${messagePath(i)}.toolCallId`, 'must name the tool call it answers');
      if (notString(m.content)) failString(`${messagePath(i)}.content`, m.content);
      if (m.isError !== undefined && typeof m.isError !== 'boolean') fail(`${messagePath(i)}.isError`, `must be a boolean, got ${describe(m.isError)}`);
      return;
    default:
      if (m.content !== undefined && notString(m.content)) failString(`${messagePath(i)}.content`, m.content);
      checkToolCalls(m.toolCalls, i);
  }
}

function checkTools(tools: unknown): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) fail('tools', `must be an array, got ${describe(tools)}`);
  for (let i = 0; i < tools.length; i++) {
    const t: unknown = tools[i];
    if (!isRecord(t)) fail(`tools[${i}]`, `must be a tool definition ({ name, description?, parameters? }), got ${describe(t)}`);
    if (typeof t.name !== 'string' || !NAME.test(t.name)) fail(`tools[${i}].name`, `must match [A-Za-z0-9_-]{1,64}, got ${describe(t.name)}`);
    if (t.description !== undefined && notString(t.description)) failString(`tools[${i}].description`, t.description);
    if (t.parameters !== undefined && !isRecord(t.parameters)) fail(`tools[${i}].parameters`, `must be a JSON Schema object, got ${describe(t.parameters)}`);
  }
}

function checkToolChoice(choice: unknown): void {
  if (choice === undefined || TOOL_CHOICES.has(choice)) return;
  if (!isRecord(choice)) fail('toolChoice', `must be 'auto', 'none', 'required' or { name }, got ${describe(choice)}`);
  checkString(choice.name, 'toolChoice.name', true);
}

function checkResponseFormat(f: unknown): void {
  if (f === undefined) return;
  if (!isRecord(f)) fail('responseFormat', `must be { type: 'text' | 'json' | 'json_schema', … }, got ${describe(f)}`);
  if (!FORMAT_TYPES.has(f.type)) fail('responseFormat.type', `must be 'text', 'json' or 'json_schema', got ${describe(f.type)}`);
  if (f.type !== 'json_schema') return;
  checkSchema(f.schema, 'responseFormat.schema');
  if (f.name !== undefined && (typeof f.name !== 'string' || !NAME.test(f.name))) {
    fail('responseFormat.name', `must match [A-Za-z0-9_-]{1,64}, got ${describe(f.name)}`);
  }
  checkOptionalString(f.description, 'responseFormat.description');
  if (f.strict !== undefined && typeof f.strict !== 'boolean') fail('responseFormat.strict', `must be a boolean, got ${describe(f.strict)}`);
}

/** Throws a {@link ConfigError} naming the first malformed field of `r`. */
export function validateRequest(r: CompletionRequest): void {
  if (!isRecord(r)) throw new ConfigError('request', `must be an object, got ${describe(r)}`);
  for (const k in r) {
    if (!REQUEST_KEYS.has(k)) fail(k, `is not a request field${didYouMeanHint(k, REQUEST_KEYS, REQUEST_ALIASES)}`);
  }
  const { messages } = r;
  if (!Array.isArray(messages) || messages.length === 0) fail('messages', 'must be a non-empty array');
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i] as Message, i);
  checkOptionalString(r.system, 'system');
  if (r.model !== undefined) checkString(r.model, 'model', true);
  checkTools(r.tools);
  checkToolChoice(r.toolChoice);
  checkResponseFormat(r.responseFormat);
  checkNumber(r.temperature, 'temperature', 0, 2, false);
  checkNumber(r.topP, 'topP', 0, 1, false);
  checkNumber(r.maxTokens, 'maxTokens', 1, 10_000_000, true);
  const { stop } = r;
  if (stop !== undefined) {
    if (!Array.isArray(stop)) fail('stop', `must be an array of strings, got ${describe(stop)}`);
    for (let i = 0; i < stop.length; i++) if (notString(stop[i])) failString(`stop[${i}]`, stop[i]);
  }
}
