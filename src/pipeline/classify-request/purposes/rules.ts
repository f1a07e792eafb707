/**
 * Proximity and structure rules over the hits of one language in one text. Each rule has a
 * stable id `<family>.<name>` listed in `rule-table.ts` (with its purpose, an example and how it
 * applies), reported as `<family>.<lang>.<name>`: `fid` facial identification, `fver` facial
 * verification, `fdet` face detection, `fana` face analysis, `pdesc` person description, `ocr`
 * text extraction, `scene` scene description.
 *
 * The central question of every recognition rule is "what is the verb about?": the nearest
 * concept after it (before it in object-verb languages) decides, so "identify the car the man
 * drives" is about a car and "identify the man next to the car" is about a man.
 */
import type { Purpose } from "../facts.js";
import type { Concept, Lexicon } from "./lexicon.js";
import type { Hit } from "./match.js";
import { purposeOf, type RuleId, ruleName } from "./rule-table.js";

export interface RuleMatch {
  purpose: Purpose;
  rule: string;
}

interface Windows {
  who: number;
  verb: number;
  back: number;
  same: number;
  ref: number;
  near: number;
  negBefore: number;
  negAfter: number;
}

const WORD_WINDOWS: Windows = {
  who: 3,
  verb: 6,
  back: 4,
  same: 3,
  ref: 10,
  near: 6,
  negBefore: 4,
  negAfter: 0,
};
const CHAR_WINDOWS: Windows = {
  who: 6,
  verb: 10,
  back: 8,
  same: 4,
  ref: 24,
  near: 10,
  negBefore: 6,
  negAfter: 0,
};

const TARGET: ReadonlySet<Concept> = new Set(["person", "face", "refStrong"]);
const BLOCK: ReadonlySet<Concept> = new Set([
  "object",
  "query",
  "analysis",
  "personDesc",
  "text",
  "benign",
]);
/**
 * "Verify whether the man is…", "do these faces match?": a question word does not end what a
 * verification or comparison is about.
 */
const VERIFY_BLOCK: ReadonlySet<Concept> = new Set([...BLOCK].filter((c) => c !== "query"));
const WHO_TARGET: ReadonlySet<Concept> = new Set(["person", "face", "refStrong", "image"]);
const NONE: ReadonlySet<Concept> = new Set();
const FACE: ReadonlySet<Concept> = new Set(["face"]);
const PERSON: ReadonlySet<Concept> = new Set(["person"]);
const DEICTIC: ReadonlySet<Concept> = new Set(["deictic"]);
const IDENTITY: ReadonlySet<Concept> = new Set(["identify"]);
const STRONG_REF: ReadonlySet<Concept> = new Set(["refStrong"]);
const GALLERY: ReadonlySet<Concept> = new Set(["ref", "refStrong", "person", "face"]);
const ACTIONS: ReadonlySet<Concept> = new Set(["seek", "match", "identify", "verify"]);
/** Identity cues of the sentence-level scoring stage. */
const CUES: ReadonlySet<Concept> = new Set([
  "who",
  "whoWord",
  "identify",
  "match",
  "verify",
  "same",
  "samePerson",
]);
const WHO_CUES: ReadonlySet<Concept> = new Set(["who", "whoWord"]);
/** What makes a sentence about an image or a reference rather than about nothing in particular. */
const ANCHORS: ReadonlySet<Concept> = new Set(["image", "deictic", "ref", "refStrong", "face"]);
/** Sentences about these are not asking who someone is, whatever words they share. */
const SCORE_GUARDS: readonly Concept[] = ["topic", "data", "benign", "forWhom"];
const SCORE_WINDOWS = { words: 5, chars: 12 } as const;

type Dir = "fwd" | "back";

class Sentence {
  readonly by = new Map<Concept, Hit[]>();
  constructor(readonly hits: readonly Hit[]) {
    for (const h of hits) {
      const list = this.by.get(h.concept);
      if (list) list.push(h);
      else this.by.set(h.concept, [h]);
    }
  }
  get(c: Concept): readonly Hit[] {
    return this.by.get(c) ?? [];
  }
  has(c: Concept): boolean {
    return this.by.has(c);
  }
}

function distance(anchor: Hit, h: Hit, dir: Dir): number {
  return dir === "fwd" ? h.s - anchor.e : anchor.s - h.e;
}

/**
 * The nearest hit of the given concepts in one direction, within `window` units; on a tie a
 * blocking concept wins over a target, so ambiguity falls to "not about a person".
 */
function nearest(
  sent: Sentence,
  anchor: Hit,
  dir: Dir,
  window: number,
  targets: ReadonlySet<Concept>,
  blocks: ReadonlySet<Concept>,
): Hit | undefined {
  let best: Hit | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  let bestBlock = false;
  for (const h of sent.hits) {
    const isTarget = targets.has(h.concept);
    const isBlock = blocks.has(h.concept);
    if (!isTarget && !isBlock) continue;
    const d = distance(anchor, h, dir);
    if (d < 0 || d > window) continue;
    if (d < bestDist || (d === bestDist && isBlock && !bestBlock)) {
      best = h;
      bestDist = d;
      bestBlock = isBlock;
    }
  }
  return best;
}

export function applyRules(lex: Lexicon, hits: readonly Hit[]): RuleMatch[] {
  const w: Windows = {
    ...(lex.mode === "chars" ? CHAR_WINDOWS : WORD_WINDOWS),
    negAfter: lex.negAfter ?? 0,
  };
  const headFinal = lex.headFinal === true;
  const out: RuleMatch[] = [];
  const emit = (id: RuleId): void => {
    out.push({ purpose: purposeOf(id), rule: ruleName(id, lex.lang) });
  };

  // Longest match wins: "facial recognition" hides its "facial", "how many" its "how", and a
  // `none` mask (`face value`, 其他) hides everything inside it.
  // Sorted by start, then longest first: a hit is hidden by an earlier-starting or longer one
  // that covers it, found among the few hits that start at or before it and reach its end.
  const sorted = [...hits].sort((a, b) => a.s - b.s || b.e - b.s - (a.e - a.s));
  const live: Hit[] = [];
  let reach = -1;
  for (let k = 0; k < sorted.length; k++) {
    const h = sorted[k]!;
    let hidden = false;
    if (reach >= h.e) {
      for (let m = k - 1; m >= 0; m--) {
        const o = sorted[m]!;
        if (h.s - o.s > 64) break; // no term is that long
        if (o.e < h.e) continue;
        if (o.e - o.s > h.e - h.s || (o.concept === "none" && h.concept !== "none")) {
          hidden = true;
          break;
        }
      }
    }
    // Same span, later in the sort: a `none` mask may come after its word.
    for (let m = k + 1; !hidden && m < sorted.length; m++) {
      const o = sorted[m]!;
      if (o.s !== h.s) break;
      if (o.e === h.e && o.concept === "none" && h.concept !== "none") hidden = true;
    }
    if (!hidden) live.push(h);
    reach = Math.max(reach, h.e);
  }
  const bySentence = new Map<number, Hit[]>();
  for (const h of live) {
    const list = bySentence.get(h.sent);
    if (list) list.push(h);
    else bySentence.set(h.sent, [h]);
  }

  const textAnchored = live.some((h) => ANCHORS.has(h.concept));
  for (const sentHits of bySentence.values()) {
    const sent = new Sentence(sentHits);
    const before = out.length;

    const negated = (a: Hit): boolean =>
      sent
        .get("neg")
        .some(
          (n) =>
            n.clause === a.clause &&
            ((a.s - n.e >= 0 && a.s - n.e <= w.negBefore) ||
              (n.s - a.e >= 0 && n.s - a.e <= w.negAfter) ||
              (n.s <= a.s && n.e >= a.e)),
        );

    /** The person or face a verb is about, or undefined when it is about something else. */
    const objectOf = (
      a: Hit,
      targets: ReadonlySet<Concept>,
      blocks: ReadonlySet<Concept> = BLOCK,
    ): Hit | undefined => {
      const first: Dir = headFinal ? "back" : "fwd";
      const second: Dir = headFinal ? "fwd" : "back";
      let h = nearest(sent, a, first, first === "fwd" ? w.verb : w.back + 2, targets, blocks);
      if (h === undefined) h = nearest(sent, a, second, w.back, targets, blocks);
      if (h === undefined || !targets.has(h.concept)) return undefined;
      // "the suspect's car", "容疑者の車", "his car", "şüphelinin arabası": an owner right before
      // a thing makes the phrase about the thing. Only where the language marks possession
      // (a possessive word or marker, or object-verb languages that suffix the owner).
      const poss = sent.get("poss").find((p) => p.s === h.e);
      const ownerWord = sent.get("poss").some((p) => p.s === h.s && p.e === h.e);
      if (poss || ownerWord || headFinal) {
        const after = poss ? poss.e : h.e;
        if (sent.hits.some((b) => b.concept === "object" && b.s === after)) return undefined;
        if (poss && sent.hits.some((b) => BLOCK.has(b.concept) && b.s === after)) return undefined;
      }
      return h;
    };

    // Recognition named outright: "facial recognition", "reconocimiento facial", "人脸识别".
    const benignOnly = sent.has("benign") && sent.has("only");
    for (const c of ["recog", "recogVerify"] as const) {
      for (const h of sent.get(c)) {
        if (negated(h) || sent.has("topic") || benignOnly) continue;
        if (c === "recog") emit("fid.recognition-term");
        else emit("fver.verification-term");
      }
    }

    // "Who is this / who is the man / who is in the photo", "bu adam kim", "这个人是谁".
    for (const h of sent.get("who")) {
      if (negated(h) || recipient(sent, h)) continue;
      const relative =
        !headFinal &&
        lex.mode === "words" &&
        sent.hits.some((p) => p.concept === "person" && p.e === h.s);
      if (relative) continue;
      // "who this", "who he", "是谁" with its subject inside the phrase itself.
      const inside = hits.some(
        (x) =>
          (x.concept === "deictic" || x.concept === "person") &&
          x.sent === h.sent &&
          h.s < x.s &&
          x.e <= h.e,
      );
      if (inside) {
        emit("fid.who-is");
        continue;
      }
      const dirs: Dir[] = headFinal || lex.mode === "chars" ? ["fwd", "back"] : ["fwd"];
      let hit = false;
      for (const dir of dirs) {
        const t = nearest(sent, h, dir, w.who, WHO_TARGET, BLOCK);
        const d = nearest(sent, h, dir, 1, DEICTIC, BLOCK);
        const blocked = (x: Hit | undefined): boolean => x !== undefined && BLOCK.has(x.concept);
        if (t && !blocked(t) && !(d && blocked(d) && distance(h, d, dir) < distance(h, t, dir))) {
          hit = true;
        } else if (d && !blocked(d)) {
          // "who is this letter from": a deictic followed by a thing is about the thing.
          const next = sent.hits.find((b) => BLOCK.has(b.concept) && b.s === d.e);
          if (!next) hit = true;
        }
        if (hit) break;
      }
      if (hit) emit("fid.who-is");
    }

    // "Identify the man", "recognise him", "his identity", "name the people", "bu adamı tanımla".
    for (const h of sent.get("identify")) {
      if (negated(h)) continue;
      const t = objectOf(h, TARGET);
      if (t === undefined) continue;
      if (t.concept === "face" && sent.has("benign")) continue; // "identify faces to blur them"
      // "Identify the customers likely to churn from this table": people as rows of data.
      if (sent.has("data") && !sent.has("face") && !sent.has("image")) continue;
      // "Read the name on the employee badge": a name read off the image is text extraction.
      if (sent.get("text").some((x) => x.e <= h.s && h.s - x.e <= w.verb)) continue;
      emit(t.concept === "face" ? "fid.identify-face" : "fid.identify-person");
    }

    // "Same person", "misma persona", "同一人物".
    for (const _ of sent.get("samePerson")) emit("fver.same-person");
    for (const h of sent.get("same")) {
      const both = headFinal || lex.mode === "chars";
      let t = nearest(sent, h, "fwd", w.same, TARGET, BLOCK);
      if (t === undefined && both) t = nearest(sent, h, "back", w.same, TARGET, BLOCK);
      if (t === undefined) {
        const ref = nearest(sent, h, "fwd", w.verb, STRONG_REF, BLOCK);
        t = ref ?? nearest(sent, h, "back", w.verb, TARGET, BLOCK);
      }
      if (t && TARGET.has(t.concept)) emit("fver.same-person");
    }

    // "Match this face", "compare the two faces", "do these faces match", "does he resemble".
    const hasRef = sent.has("ref") || sent.has("refStrong");
    for (const h of sent.get("match")) {
      if (negated(h)) continue;
      const t = objectOf(h, TARGET, VERIFY_BLOCK);
      if (t === undefined) continue;
      if (hasRef) emit("fid.match-reference");
      else emit("fver.match-faces");
    }

    // "Verify the identity of", "confirm this is the suspect".
    for (const h of sent.get("verify")) {
      if (negated(h)) continue;
      const dir: Dir = headFinal ? "back" : "fwd";
      const idNoun = nearest(sent, h, dir, w.verb, IDENTITY, BLOCK);
      const t = objectOf(h, TARGET, VERIFY_BLOCK);
      if (idNoun?.concept === "identify" || t !== undefined) {
        emit("fver.verify-identity");
      }
    }

    // "Find this guy on social media", "run the face against the watchlist", "search mugshots".
    for (const h of sent.hits) {
      if (!ACTIONS.has(h.concept) || negated(h)) continue;
      const first: Dir = headFinal ? "back" : "fwd";
      const t = nearest(sent, h, first, w.ref, GALLERY, BLOCK);
      let found = false;
      if (t?.concept === "refStrong") found = true;
      else if (t?.concept === "person" || t?.concept === "face") {
        found = [...sent.get("ref"), ...sent.get("refStrong")].some(
          (r) => Math.abs(r.s - t.s) <= w.ref,
        );
      } else if (t?.concept === "ref") {
        const p = nearest(sent, t, first, w.verb, TARGET, BLOCK);
        found = p !== undefined && TARGET.has(p.concept);
      }
      if (found) {
        emit("fid.search-reference");
        break;
      }
    }

    // Re-identification: "find every frame where this man appears", "where this teenager shows
    // up again", "trace this shoplifter across the other store cameras", "appears anywhere in
    // the arrest photo set": a person or face with appear/seek/track and a beyond-this-image cue.
    if (!sent.has("benign") && (sent.has("reid") || hasRef)) {
      for (const h of [...sent.get("appear"), ...sent.get("seek"), ...sent.get("identify")]) {
        if (negated(h)) continue;
        const p =
          nearest(sent, h, "fwd", w.verb, TARGET, BLOCK) ??
          nearest(sent, h, "back", w.verb, TARGET, BLOCK);
        if (p === undefined || !TARGET.has(p.concept)) continue;
        const cue = [...sent.get("reid"), ...sent.get("ref"), ...sent.get("refStrong")].some(
          (r) => Math.abs(r.s - h.s) <= w.ref,
        );
        if (cue && (h.concept === "appear" || sent.has("reid"))) {
          emit("fid.reidentify");
          break;
        }
      }
    }

    // "Which of our tenants is the person at the door?", "identify which employee is at the
    // door", "¿cuál de los detenidos es este?": which + person, asked of a person or this, or
    // after an identity verb; not when the sentence asks about clothing, mood or counts.
    // A thing elsewhere in the sentence ("standing next to the van") does not stop it: a thing
    // right after which is found by `nearest` below ("which car…").
    const otherAsked = ["scene", "personDesc", "text", "analysis", "benign"].some((c) =>
      sent.has(c as Concept),
    );
    for (const q of sent.get("whichQ")) {
      if (negated(q) || otherAsked) continue;
      const p = nearest(sent, q, headFinal ? "back" : "fwd", 3, PERSON, BLOCK);
      if (p === undefined || p.concept !== "person") continue;
      const verb = sent.get("identify").some((i) => i.e <= q.s && q.s - i.e <= 2);
      const asked = sent.hits.some(
        (x) =>
          x !== p &&
          (x.concept === "person" || x.concept === "deictic") &&
          x.s >= p.e &&
          x.s - p.e <= 3,
      );
      if (verb || asked) {
        emit("fid.which-person");
        break;
      }
    }

    // "Is he in our gang database?", "the man from the mugshot": a person next to a gallery of
    // people, in a sentence that asks for nothing else about the image.
    const otherAsk = ["scene", "personDesc", "text", "analysis", "benign"].some((c) =>
      sent.has(c as Concept),
    );
    if (!otherAsk) {
      for (const r of sent.get("refStrong")) {
        const p = [...sent.get("person"), ...sent.get("face")].find(
          (x) => Math.abs(x.s - r.s) <= w.verb && !negated(x),
        );
        if (p) {
          emit("fid.person-in-reference");
          break;
        }
      }
    }

    // Face detection: "count the faces", "blur faces", "find all faces", "face detection".
    for (const h of [...sent.get("benign"), ...sent.get("seek"), ...sent.get("identify")]) {
      const f =
        nearest(sent, h, "fwd", w.near, FACE, NONE) ?? nearest(sent, h, "back", w.near, FACE, NONE);
      if (f === undefined) continue;
      if (h.concept === "seek" && hasRef) continue;
      if (h.concept === "identify" && !sent.has("benign")) continue;
      emit("fdet.face-action");
      break;
    }
    if (sent.has("benign") && sent.has("person") && !sent.has("face")) {
      emit("scene.count-people");
    }

    if (sent.has("analysis")) emit("fana.attribute");
    if (sent.has("personDesc")) emit("pdesc.attribute");
    if (sent.has("text")) emit("ocr.read");
    for (const h of sent.get("scene")) {
      const t = nearest(sent, h, "fwd", w.verb, PERSON, BLOCK);
      if (t?.concept === "person") emit("pdesc.describe-person");
      else emit("scene.describe");
    }

    // Sentence-level scoring, for sentences no recognition rule above claimed: an identity cue
    // (who, identify, name, match, verify, same) near a human referent, with words in between
    // ("who exactly is the woman waving", "ist die Person auf Foto 2 dieselbe"), in a text that
    // points at an image or a reference. Guards keep it precise: a thing between the cue and
    // the person, a question word, negation, talk about the technology, data, face actions.
    const claimed = out
      .slice(before)
      .some((m) => m.purpose === "facial-identification" || m.purpose === "facial-verification");
    if (!claimed && textAnchored) {
      const m = scoreSentence(sent, lex, negated);
      if (m) emit(m);
    }
  }
  return out;
}

/**
 * "Who is this gift for?", "¿para quién es?", "für wen ist das Paket", "لمن هذه": a recipient
 * phrase around the who-word (or after it, with no person, face or image following it).
 */
function recipient(sent: Sentence, who: Hit): boolean {
  for (const r of sent.get("forWhom")) {
    if (r.s <= who.s) return true;
    if (r.clause !== who.clause) continue;
    const later = sent.hits.some(
      (x) =>
        x.s >= r.e && (x.concept === "person" || x.concept === "face" || x.concept === "image"),
    );
    if (!later) return true;
  }
  return false;
}

/** A person (or face) hit; a word that is both a person and a thing (`rowerzysta`) counts as a person. */
function isHuman(h: Hit): boolean {
  return h.concept === "person" || h.concept === "face";
}

function scoreSentence(
  sent: Sentence,
  lex: Lexicon,
  negated: (a: Hit) => boolean,
): "fid.scored" | "fver.scored" | undefined {
  if (SCORE_GUARDS.some((c) => c !== "benign" && sent.has(c))) return undefined;
  // Face actions (count, blur, detect) guard the sentence, unless the action word is the verb of
  // an identity noun right next to it ("kimliğini tespit et", "determine the identity").
  const isCue = (x: Hit): boolean => CUES.has(x.concept);
  // The identity noun is the object: before the verb in object-verb languages, after it elsewhere.
  const headFinal = lex.headFinal === true;
  const benignGuard = sent
    .get("benign")
    .some(
      (b) =>
        !sent.hits.some(
          (x) =>
            isCue(x) && (headFinal ? b.s >= x.e && b.s - x.e <= 1 : x.s >= b.e && x.s - b.e <= 1),
        ),
    );
  if (benignGuard) return undefined;
  const chars = lex.mode === "chars";
  const win = chars ? SCORE_WINDOWS.chars : SCORE_WINDOWS.words;
  const humanSpans = sent.hits.filter((x) => isHuman(x));
  if (humanSpans.length === 0) return undefined;
  const personAt = (x: Hit): boolean => humanSpans.some((p) => p.s === x.s && p.e === x.e);
  for (const c of sent.hits) {
    if (!CUES.has(c.concept) || negated(c)) continue;
    // "Read the name printed on the badge": a name read off the image is text extraction.
    if (sent.get("text").some((x) => x.e <= c.s && c.s - x.e <= win)) continue;
    const isWho = WHO_CUES.has(c.concept);
    if (isWho && !chars && !headFinal) {
      // Relative clause: "the man who is…", "l'homme qui porte…".
      const rel = sent.hits.some(
        (x) =>
          x.e <= c.s &&
          c.s - x.e <= 1 &&
          x.clause === c.clause &&
          (x.concept === "person" || x.concept === "object" || x.concept === "image"),
      );
      if (rel) continue;
    }
    for (const p of humanSpans) {
      const fwd = p.s >= c.e;
      const d = fwd ? p.s - c.e : c.s - p.e;
      if (d < 0 || d > win) continue;
      // Who-words look forward in verb-second languages ("who exactly is the woman").
      if (isWho && !fwd && !chars && !headFinal) continue;
      const lo = fwd ? c.e : p.e;
      const hi = fwd ? p.s : c.s;
      // A thing or a question word between cue and person: "identify the car the man drives",
      // "identify what the woman is holding".
      const between = sent.hits.some(
        (x) =>
          x.s >= lo &&
          x.e <= hi &&
          (x.concept === "query" || (x.concept === "object" && !personAt(x))) &&
          !(isWho && x.concept === "query"),
      );
      if (between) continue;
      // "the suspect's car": an owner right before a thing.
      const owned = sent
        .get("poss")
        .some((q) => q.s === p.e && sent.hits.some((b) => b.concept === "object" && b.s === q.e));
      if (owned) continue;
      const verify = c.concept === "same" || c.concept === "samePerson" || c.concept === "verify";
      return verify ? "fver.scored" : "fid.scored";
    }
  }
  return undefined;
}
