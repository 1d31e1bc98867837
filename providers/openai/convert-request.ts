/**
 * {@link CompletionRequest} → OpenAI Chat Completions request body.
 * @module
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { ProviderError } from '../../src/errors/provider-error.js';
import { conversionError } from '../shared/conversion-error.js';
import type { CompletionRequest, ContentPart, Message, ResponseFormat, ToolChoice } from '../../src/types.js';

/**
 * Which body field carries `maxTokens`:
 * - `max_completion_tokens`: what OpenAI's API documents today; the only one its reasoning models
 *   (o-series, gpt-5) accept.
 * - `max_tokens`: deprecated by OpenAI but the one every OpenAI-compatible server understands
 *   (Ollama, vLLM, llama.cpp, LM Studio, LiteLLM, Groq…).
 */
export type MaxTokensParam = 'max_tokens' | 'max_completion_tokens';

/**
 * Builds the request body (without `stream`). `model` is the attempt's model (`ctx.model`).
 * Fields the request leaves unset are omitted, so each provider applies its own default.
 * @throws {ConfigError} when the body cannot be built (nothing is sent: the request is wrong, not the provider)
 */
export function convertRequest(
  request: CompletionRequest,
  model: string,
  maxTokensParam: MaxTokensParam,
  provider: string,
): ChatCompletionCreateParamsNonStreaming {
  try {
    return buildRequest(request, model, maxTokensParam, provider);
  } catch (err) {
    // nothing was sent: a body that cannot be built is the caller's request, not a provider failure
    throw conversionError(err, provider);
  }
}

function buildRequest(
  request: CompletionRequest,
  model: string,
  maxTokensParam: MaxTokensParam,
  provider: string,
): ChatCompletionCreateParamsNonStreaming {
  const params: ChatCompletionCreateParamsNonStreaming = { model, messages: convertMessages(request, provider) };
  const { tools } = request;
  if (tools !== undefined && tools.length > 0) {
    const out: ChatCompletionTool[] = new Array<ChatCompletionTool>(tools.length);
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[i]!;
      out[i] = {
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description !== undefined && { description: tool.description }),
          parameters: tool.parameters ?? { type: 'object', properties: {} },
        },
      };
    }
    params.tools = out;
    // OpenAI rejects `tool_choice` without `tools`, so it is only sent with them.
    if (request.toolChoice !== undefined) params.tool_choice = convertToolChoice(request.toolChoice);
  }
  if (request.responseFormat !== undefined) {
    const format = convertResponseFormat(request.responseFormat);
    if (format !== undefined) params.response_format = format;
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  if (request.maxTokens !== undefined) params[maxTokensParam] = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) params.stop = request.stop;
  return params;
}

/** `request.system` first, then every message in order; system messages stay where they are. */
export function convertMessages(request: CompletionRequest, provider: string): ChatCompletionMessageParam[] {
  const { messages } = request;
  const out: ChatCompletionMessageParam[] = [];
  if (request.system !== undefined && request.system !== '') out.push({ role: 'system', content: request.system });
  for (let i = 0; i < messages.length; i++) out.push(convertMessage(messages[i]!, provider));
  return out;
}

function convertMessage(message: Message, provider: string): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? message.content : message.content.map((p) => convertPart(p, provider)),
      };
    case 'assistant': {
      const calls = message.toolCalls;
      if (calls === undefined || calls.length === 0) return { role: 'assistant', content: message.content ?? '' };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    }
    case 'tool':
      // OpenAI has no error flag on tool results: the content itself says what went wrong.
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    default:
      throw invalid(provider, `unknown message role "${(message as { role?: unknown }).role}"`);
  }
}

function convertPart(part: ContentPart, provider: string): ChatCompletionContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image') {
    if (part.url !== undefined) return { type: 'image_url', image_url: { url: part.url } };
    if (part.data !== undefined) {
      return { type: 'image_url', image_url: { url: `data:${part.mediaType ?? 'image/png'};base64,${part.data}` } };
    }
    throw invalid(provider, 'an image part needs `url` or `data`');
  }
  throw invalid(provider, `unknown content part type "${(part as { type?: unknown }).type}"`);
}

function convertToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  if (typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

function convertResponseFormat(format: ResponseFormat): ChatCompletionCreateParamsNonStreaming['response_format'] {
  switch (format.type) {
    case 'json':
      return { type: 'json_object' };
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name ?? 'response',
          schema: format.schema,
          ...(format.description !== undefined && { description: format.description }),
          ...(format.strict !== undefined && { strict: format.strict }),
        },
      };
    default:
      return undefined; // `text` is every provider's default: not sent
  }
}

function invalid(provider: string, message: string): ProviderError {
  return new ProviderError({ provider, kind: 'invalid_request', message });
}
