/**
 * Largest SNS message: 256 KiB, counted in UTF-8 bytes, message attributes included (the handler sends none).
 *
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** A summary cut to fit one SNS message. */
export interface FittedMessage {
  /** What to publish. */
  readonly message: string;
  /** Whether lines were cut. */
  readonly truncated: boolean;
}

/**
 * `markdown` as it is when it fits in `maxBytes`; otherwise its first whole lines and a last paragraph saying how
 * much was left out and where the full summary is, the whole within `maxBytes`.
 *
 * @param markdown the summary
 * @param fullReport where the complete summary and reports are (an `s3://` URI)
 * @param maxBytes the limit, in UTF-8 bytes
 */
export function fitSnsMessage(markdown: string, fullReport: string, maxBytes = SNS_MAX_MESSAGE_BYTES): FittedMessage {
  const total = Buffer.byteLength(markdown, 'utf8');
  if (total <= maxBytes) {
    return { message: markdown, truncated: false };
  }
  const note = (kept: number) => `\n\n> **Truncated**: this message holds the first ${kept} of ${total} bytes of the summary ` +
    `(SNS takes at most ${maxBytes} bytes). The full summary and the HTML, CSV and JSON reports are in ${fullReport}\n`;
  // The note's length depends on the kept count: budget for its longest form.
  const budget = maxBytes - Buffer.byteLength(note(total), 'utf8');
  if (budget <= 0) {
    throw new RangeError(`maxBytes (${maxBytes}) leaves no room for the truncation note`);
  }
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8') + (kept.length > 0 ? 1 : 0);
    if (bytes + size > budget) {
      if (kept.length === 0) {
        // One line longer than the budget: keep what fits of it, whole characters only.
        kept.push(prefixWithin(line, budget));
        bytes = Buffer.byteLength(kept[0], 'utf8');
      }
      break;
    }
    kept.push(line);
    bytes += size;
  }
  return { message: kept.join('\n') + note(bytes), truncated: true };
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
function prefixWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) {
      break;
    }
    out += ch;
    bytes += size;
  }
  return out;
}

/**
 * An SNS subject (what email subscribers see): printable ASCII, no line breaks, at most 100 characters.
 *
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export function snsSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}
