import { newId } from "./ids.js";
import { asObject } from "./params.js";
import type { WireResponse } from "./responses.js";

/**
 * A Responses / Conversations item as stored: any item shape (`message`, `function_call_output`,
 * ...) with the id the service gives it. Kept loose on purpose: the simulator echoes items, it
 * does not interpret them.
 */
export type StoredItem = Readonly<Record<string, unknown>> & { readonly id: string };

/** A stored Response and the input items it was created from, for retrieve and `input_items`. */
export interface StoredResponse {
  readonly response: WireResponse;
  readonly inputItems: readonly StoredItem[];
}

function messageContent(role: unknown, content: unknown): unknown {
  if (typeof content !== "string") return content;
  return [{ type: role === "assistant" ? "output_text" : "input_text", text: content }];
}

/**
 * The items a Responses `input` (or a conversation's `items`) stands for, as the service lists
 * them: a bare string is one user message; easy messages (`{role, content: "..."}`) become typed
 * `message` items with `input_text` parts; every item gets an id when it has none.
 */
export function itemsOf(input: unknown): StoredItem[] {
  if (typeof input === "string") {
    return [
      {
        id: newId.message(),
        type: "message",
        role: "user",
        status: "completed",
        content: [{ type: "input_text", text: input }],
      },
    ];
  }
  if (!Array.isArray(input)) return [];
  return input.flatMap((entry): StoredItem[] => {
    const item = asObject(entry);
    if (item === undefined) return [];
    const id = typeof item["id"] === "string" ? item["id"] : newId.message();
    if ("role" in item && (item["type"] === undefined || item["type"] === "message")) {
      return [
        {
          ...item,
          id,
          type: "message",
          status: "completed",
          content: messageContent(item["role"], item["content"]),
        },
      ];
    }
    return [{ ...item, id }];
  });
}
