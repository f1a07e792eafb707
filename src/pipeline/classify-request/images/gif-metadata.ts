/**
 * GIF metadata (GIF89a): GIF has no EXIF container, but a comment extension or an XMP application
 * extension (`XMP DataXMP`, as Adobe writes it) may name the camera. Only the blocks before the
 * first image are read: walking past an image means reading every one of its data sub-blocks.
 */
import type { ByteSource } from "./byte-source.js";
import { type ImageMetadata, latin1, MAX_BLOCK, MAX_CHUNKS, utf8 } from "./metadata.js";
import { fieldsFromXmp, hasFields } from "./text-fields.js";

const XMP_APPLICATION = "XMP DataXMP";

/**
 * The concatenated data sub-blocks starting at `at`, and where the block after them starts;
 * `undefined` when the data is cut short or too long to be metadata.
 */
function subBlocks(src: ByteSource, at: number): { data: Uint8Array; next: number } | undefined {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const window = src.read(at, 256);
    if (!window || window.length < 1) return undefined;
    const size = window[0]!;
    if (size === 0) return { data: Buffer.concat(parts), next: at + 1 };
    if (window.length < 1 + size) return undefined;
    parts.push(window.subarray(1, 1 + size));
    total += size;
    if (total > MAX_BLOCK) return undefined;
    at += 1 + size;
  }
  return undefined;
}

/** The camera fields of a GIF's comment and XMP extensions, or `undefined` when none. */
export function gifMetadata(src: ByteSource): ImageMetadata | undefined {
  const screen = src.read(0, 13);
  if (!screen || screen.length < 13) return undefined;
  const flags = screen[10]!;
  // A global colour table of 3 * 2^(N+1) bytes follows the logical screen descriptor.
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  const out: ImageMetadata = { text: {} };
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 14);
    if (!head || head.length < 2 || head[0] !== 0x21) break; // an image, the trailer, or junk
    const label = head[1]!;
    if (label === 0xff && head.length >= 14 && head[2] === 11) {
      const application = latin1(head.subarray(3, 14));
      const blocks = subBlocks(src, at + 14);
      if (!blocks) break;
      if (application === XMP_APPLICATION) {
        // XMP is stored raw: its own bytes serve as the sub-block sizes (a 258-byte "magic
        // trailer" ends it), so it is read as the bytes between the header and the terminator.
        const raw = src.read(at + 14, blocks.next - at - 14);
        if (raw) fieldsFromXmp(utf8(raw), out.text);
      }
      at = blocks.next;
    } else {
      const blocks = subBlocks(src, at + 2);
      if (!blocks) break;
      if (label === 0xfe) fieldsFromXmp(latin1(blocks.data), out.text); // comment extension
      at = blocks.next;
    }
  }
  return hasFields(out.text) ? out : undefined;
}
