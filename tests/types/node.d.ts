// node.d.ts — the one Node global usage.mts uses (no @types/node here).
declare const process: { argv: string[] };
