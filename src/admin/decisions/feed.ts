/**
 * Feeds the decisions index from the audit sink: every record the sink writes, whatever its
 * destination (stdout, a file, a test stream), is also added to the index.
 *
 * The records written during one event-loop turn are added together at its end (`setImmediate`),
 * as the sink chains them, rather than each inside its response's completion: the entries are cut
 * and added back to back, with the rows' code and data warm (docs/performance.md, "Issue 14,
 * round six"). The index catches up before it is read, so a reader never misses a record written
 * before it asked.
 */
import type { AuditRecord } from "../../pipeline/audit/record.js";
import type { AuditSink } from "../../pipeline/audit/sink.js";
import { entryOf } from "./entry.js";
import type { DecisionIndex } from "./index.js";

/** The sink, writing each record to the index too. */
export function feedingIndex(
  sink: AuditSink,
  index: DecisionIndex,
  reasonOf: (policyId: string) => string | null,
): AuditSink {
  let held: AuditRecord[] = [];
  let scheduled = false;
  const feed = () => {
    scheduled = false;
    if (held.length === 0) return;
    const records = held;
    held = [];
    for (const record of records) {
      const entry = entryOf(record, reasonOf);
      if (entry !== null) index.add(entry);
    }
  };
  index.catchUpWith(feed);
  return {
    write(record) {
      sink.write(record);
      held.push(record);
      if (!scheduled) {
        scheduled = true;
        setImmediate(feed);
      }
    },
    flush: () => {
      feed();
      return sink.flush();
    },
    close: () => {
      feed();
      return sink.close();
    },
    anchor: () => sink.anchor(),
  };
}
