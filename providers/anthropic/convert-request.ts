/**
 * {@link CompletionRequest} → Anthropic Messages API request body.
 * @module
 */
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice as AnthropicToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
import { ProviderError } from '../../src/errors/provider-error.js';
import { conversionError } from '../shared/conversion-error.js';
import type { CompletionRequest, ContentPart, ToolChoice } from '../../src/types.js';

/**
 * Appended to the system prompt for `responseFormat: { type: 'json' }`. Anthropic's structured
 * output (`output_config.format`) needs a schema, and "any JSON object" has none, so plain JSON
 * mode is an instruction. `json_schema` uses the native `output_config.format` (constrained
 * decoding, Claude 4.5 models and later) — more reliable than an instruction and cheaper than
 * a forced tool call, whose output would come back as a tool call rather than as text.
 */
export const JSON_INSTRUCTION =
  'Respond with a single valid JSON object and nothing else: no prose, no Markdown code fences.';

type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** Adapter settings the conversion needs. */
export interface ConvertOptions {
  /** `max_tokens` when the request sets none (Anthropic requires one). */
  defaultMaxTokens: number;
  /** Send `temperature` / `top_p` (only valid with `anthropic-version: 2023-06-01`). */
  samplingParams: boolean;
}

/**
 * Builds the request body (without `stream`). `model` is the attempt's model (`ctx.model`);
 * `max_tokens` is required by Anthropic, so `request.maxTokens ?? defaultMaxTokens` is always sent.
 *
 * `temperature` and `topP` are dropped unless `samplingParams` is set: API version 2026-10-21, the
 * one `@anthropic-ai/sdk` ≥ 1.0 sends, rejects them with a 400 even at their defaults, and a
 * request tuned for another provider must still be servable here when it fails over.
 * @throws {ConfigError} when the body cannot be built (nothing is sent: the request is wrong, not the provider)
 */
export function convertRequest(
  request: CompletionRequest,
  model: string,
  options: ConvertOptions,
  provider: string,
): MessageCreateParamsNonStreaming {
  try {
    return buildRequest(request, model, options, provider);
  } catch (err) {
    // nothing was sent: a body that cannot be built is the caller's request, not a provider failure
    throw conversionError(err, provider);
  }
}

function buildRequest(
  request: CompletionRequest,
  model: string,
  options: ConvertOptions,
  provider: string,
): MessageCreateParamsNonStreaming {
  const { system, messages } = convertMessages(request, provider);
  const params: MessageCreateParamsNonStreaming = {
    model,
    max_tokens: request.maxTokens ?? options.defaultMaxTokens,
    messages,
  };
  let systemText = system;
  const format = request.responseFormat;
  if (format?.type === 'json') {
    systemText = systemText === undefined ? JSON_INSTRUCTION : `${systemText}\n\n${JSON_INSTRUCTION}`;
  } else if (format?.type === 'json_schema') {
    params.output_config = { format: { type: 'json_schema', schema: format.schema } };
  }
  if (systemText !== undefined) params.system = systemText;
  const { tools } = request;
  if (tools !== undefined && tools.length > 0) {
    const out: Tool[] = new Array<Tool>(tools.length);
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[i]!;
      out[i] = {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        input_schema: (tool.parameters ?? { type: 'object', properties: {} }) as Tool.InputSchema,
      };
    }
    params.tools = out;
    if (request.toolChoice !== undefined) params.tool_choice = convertToolChoice(request.toolChoice);
  }
  if (options.samplingParams) {
    const legacy = params as MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };
    if (request.temperature !== undefined) legacy.temperature = request.temperature;
    if (request.topP !== undefined) legacy.top_p = request.topP;
  }
  if (request.stop !== undefined && request.stop.length > 0) params.stop_sequences = request.stop;
  return params;
}

/**
 * Splits out the system prompt (`request.system`, then every `system` message, joined by a blank
 * line: Anthropic takes one top-level `system`) and converts the turns:
 * - tool results become `tool_result` blocks in a user turn; consecutive results share one turn,
 *   and a user message right after them joins that turn (after the results, as Anthropic requires);
 * - assistant tool calls become `tool_use` blocks whose `input` is the parsed arguments (`{}` when
 *   they are not a JSON object — Anthropic accepts nothing else).
 */
export function convertMessages(
  request: CompletionRequest,
  provider: string,
): { system: string | undefined; messages: MessageParam[] } {
  let system = request.system !== undefined && request.system !== '' ? request.system : undefined;
  const out: MessageParam[] = [];
  // Content of the last user turn built from tool results, still open for more blocks.
  let openTurn: ContentBlockParam[] | undefined;
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        system = system === undefined ? message.content : `${system}\n\n${message.content}`;
        break;
      case 'user':
        if (openTurn !== undefined) {
          if (typeof message.content === 'string') openTurn.push({ type: 'text', text: message.content });
          else for (const part of message.content) openTurn.push(convertPart(part, provider));
          openTurn = undefined;
        } else {
          out.push({
            role: 'user',
            content: typeof message.content === 'string' ? message.content : message.content.map((p) => convertPart(p, provider)),
          });
        }
        break;
      case 'assistant': {
        openTurn = undefined;
        const calls = message.toolCalls;
        if (calls === undefined || calls.length === 0) {
          out.push({ role: 'assistant', content: message.content ?? '' });
          break;
        }
        const blocks: ContentBlockParam[] = [];
        if (message.content) blocks.push({ type: 'text', text: message.content });
        for (const call of calls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
        out.push({ role: 'assistant', content: blocks });
        break;
      }
      case 'tool': {
        const block: ContentBlockParam = { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content };
        if (message.isError) block.is_error = true;
        if (openTurn === undefined) {
          openTurn = [block];
          out.push({ role: 'user', content: openTurn });
        } else {
          openTurn.push(block);
        }
        break;
      }
      default:
        throw invalid(provider, `unknown message role "${(message as { role?: unknown }).role}"`);
    }
  }
  return { system, messages: out };
}

function convertPart(part: ContentPart, provider: string): TextBlockParam | ImageBlockParam {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image') {
    if (part.url !== undefined) {
      const match = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
      if (match !== null) {
        return { type: 'image', source: { type: 'base64', media_type: match[1] as ImageMediaType, data: match[2]! } };
      }
      return { type: 'image', source: { type: 'url', url: part.url } };
    }
    if (part.data !== undefined) {
      return {
        type: 'image',
        source: { type: 'base64', media_type: (part.mediaType ?? 'image/png') as ImageMediaType, data: part.data },
      };
    }
    throw invalid(provider, 'an image part needs `url` or `data`');
  }
  throw invalid(provider, `unknown content part type "${(part as { type?: unknown }).type}"`);
}

function convertToolChoice(choice: ToolChoice): AnthropicToolChoice {
  switch (choice) {
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
    default:
      return { type: 'tool', name: choice.name };
  }
}

function parseArguments(args: string): Record<string, unknown> {
  if (args === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function invalid(provider: string, message: string): ProviderError {
  return new ProviderError({ provider, kind: 'invalid_request', message });
}
