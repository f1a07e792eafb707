/**
 * Feeds the decisions index from the audit sink: every record the sink writes, whatever its
 * destination (stdout, a file, a test stream), is also added to the index.
 */
import type { AuditSink } from "../../pipeline/audit/sink.js";
import { entryOf } from "./entry.js";
import type { DecisionIndex } from "./index.js";

/** The sink, writing each record to the index too. */
export function feedingIndex(
  sink: AuditSink,
  index: DecisionIndex,
  reasonOf: (policyId: string) => string | null,
): AuditSink {
  return {
    write(record) {
      sink.write(record);
      const entry = entryOf(record, reasonOf);
      if (entry !== null) index.add(entry);
    },
    flush: () => sink.flush(),
    anchor: () => sink.anchor(),
  };
}
