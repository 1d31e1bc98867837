/**
 * The ```ts code blocks of a Markdown file, as a user would copy them.
 *
 * By default a block is a whole program: it must compile on its own. A block that is a fragment
 * (it uses names an earlier block made, such as `llm`) says so in an HTML comment right before it,
 * whose body is TypeScript declaring those names; the comment is invisible on the rendered page:
 *
 *     <!-- fragment
 *     declare const llm: import('llm-breaker').LLMClient;
 *     -->
 *     ```ts
 *     const res = await llm.complete({ messages });
 *     ```
 */

export interface CodeBlock {
  /** 1-based line of the opening fence in the Markdown file. */
  readonly line: number;
  /** The nearest heading above the block (`Quick start`, …). */
  readonly heading: string;
  /** The block's text, exactly as written. */
  readonly code: string;
  /** The declarations of its `<!-- fragment … -->` comment, or `undefined` for a whole program. */
  readonly prelude: string | undefined;
}

const FENCE = /^```(\S*)\s*$/;

/** Every ```ts (or ```typescript) block, in order. */
export function tsBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const heading_ = /^#{1,6}\s+(.*)$/.exec(text);
    if (heading_) {
      heading = heading_[1]!.trim();
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i === lines.length) throw new Error(`README: the code block opened at line ${start + 1} is never closed`);
    if (fence[1] !== 'ts' && fence[1] !== 'typescript') continue;
    blocks.push({ line: start + 1, heading, code: `${body.join('\n')}\n`, prelude: fragmentPrelude(lines.slice(0, start).join('\n')) });
  }
  return blocks;
}

/** The body of a `<!-- fragment … -->` comment that ends `before` (blank lines aside). */
function fragmentPrelude(before: string): string | undefined {
  const text = before.trimEnd();
  if (!text.endsWith('-->')) return undefined;
  const open = text.lastIndexOf('<!--');
  const comment = /^<!--\s*fragment\b([\s\S]*)-->$/.exec(text.slice(open));
  return comment?.[1]?.trim();
}

/** The block as a module file: its prelude (if any) first, then the code, then `export {}`. */
export function asModule(block: CodeBlock): string {
  return `${block.prelude !== undefined ? `${block.prelude}\n` : ''}${block.code}export {};\n`;
}

/** A file name that tells where the block is: `readme-L45-quick-start.ts`. */
export function fileName(block: CodeBlock): string {
  const slug = block.heading.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `readme-L${block.line}-${slug || 'top'}.ts`;
}
